"""
Sends Open edX signals through the real event bus producers (edx-event-bus-kafka, edx-event-bus-redis),
so course-sink's decoder is tested against the bytes Studio would put on the bus.

  produce.py kafka   < events.jsonl   send through edx_event_bus_kafka.create_producer(), then flush
  produce.py redis   < events.jsonl   send through edx_event_bus_redis.create_producer()
  produce.py schema SIGNAL            print the Avro schema openedx-events generates (name or event type)
  produce.py versions                 print the installed package versions as JSON

Each input line is JSON: {"signal": "COURSE_CATALOG_INFO_CHANGED", "topic": "course-catalog-info-changed",
"data": {...}, "time": "2024-05-01T12:00:00+00:00", "id": "<uuid>", "key_field": "catalog_info.course_key"};
time, id and key_field are optional. "data" is the signal's data as Avro-style JSON (keys as strings,
datetimes as ISO strings, optional fields may be left out). For every event sent, one JSON line with the
metadata actually used goes to stdout. The producers only log their failures, so any error they log makes
this script exit 1.
"""
import json
import logging
import os
import sys
from datetime import datetime, timezone
from importlib.metadata import version
from uuid import UUID

import attr

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import django  # noqa: E402

django.setup()

from openedx_events.content_authoring import signals as content_authoring_signals  # noqa: E402
from openedx_events.event_bus.avro.deserializer import AvroSignalDeserializer  # noqa: E402
from openedx_events.event_bus.avro.serializer import AvroSignalSerializer  # noqa: E402
from openedx_events.tooling import OpenEdxPublicSignal  # noqa: E402

FLUSH_TIMEOUT_SEC = 60

# The event_key_field Studio configures for each signal (cms/envs/common.py), by data key.
DEFAULT_KEY_FIELDS = {
    "catalog_info": "catalog_info.course_key",
    "xblock_info": "xblock_info.usage_key",
    "course": "course.course_key",
}


class ErrorCollector(logging.Handler):
    """Remembers errors the producers log, since they never raise them to the caller."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(self.format(record))


def find_signal(name_or_type):
    signal = getattr(content_authoring_signals, name_or_type, None)
    if isinstance(signal, OpenEdxPublicSignal):
        return signal
    return OpenEdxPublicSignal.get_signal_by_type(name_or_type)


def complete_optional_fields(schema, value):
    """Fills optional Avro fields left out of the input with null, as openedx-events' from_dict expects them."""
    if isinstance(schema, dict) and schema.get("type") == "record" and isinstance(value, dict):
        out = dict(value)
        for field in schema["fields"]:
            if field["name"] not in out and "default" in field:
                out[field["name"]] = field["default"]
            elif field["name"] in out:
                out[field["name"]] = complete_optional_fields(field["type"], out[field["name"]])
        return out
    if isinstance(schema, dict) and isinstance(schema.get("type"), dict):
        return complete_optional_fields(schema["type"], value)
    return value


def build_event(line):
    spec = json.loads(line)
    signal = find_signal(spec["signal"])
    schema = AvroSignalSerializer(signal).schema
    avro_dict = complete_optional_fields(schema, spec["data"])
    event_data = AvroSignalDeserializer(signal).from_dict(avro_dict)
    time = datetime.fromisoformat(spec["time"]).astimezone(timezone.utc) if "time" in spec else None
    metadata = signal.generate_signal_metadata(time=time)
    if "id" in spec:
        metadata = attr.evolve(metadata, id=UUID(spec["id"]))
    data_key = next(iter(signal.init_data))
    key_field = spec.get("key_field") or DEFAULT_KEY_FIELDS[data_key]
    return signal, spec["topic"], key_field, event_data, metadata


def metadata_json(metadata, full_topic):
    return {
        "event_type": metadata.event_type,
        "id": str(metadata.id),
        "time": metadata.time.isoformat(),
        "minorversion": metadata.minorversion,
        "source": metadata.source,
        "sourcehost": metadata.sourcehost,
        "sourcelib": ".".join(map(str, metadata.sourcelib)),
        "topic": full_topic,
    }


def send_all(backend):
    errors = ErrorCollector()
    logging.getLogger().addHandler(errors)
    if backend == "kafka":
        from edx_event_bus_kafka import create_producer
        from edx_event_bus_kafka.internal.config import get_full_topic
    else:
        from edx_event_bus_redis import create_producer
        from edx_event_bus_redis.internal.config import get_full_topic
    producer = create_producer()
    if producer is None:
        sys.exit(f"the {backend} producer is not configured; check the EVENT_BUS_* environment variables")

    for line in sys.stdin:
        if not line.strip():
            continue
        signal, topic, key_field, event_data, metadata = build_event(line)
        producer.send(signal=signal, topic=topic, event_key_field=key_field, event_data=event_data,
                      event_metadata=metadata)
        print(json.dumps(metadata_json(metadata, get_full_topic(topic))), flush=True)

    if backend == "kafka":
        # prepare_for_shutdown() flushes without a deadline; a broker that is down would hang the tests.
        undelivered = producer.producer.flush(FLUSH_TIMEOUT_SEC)
        if undelivered:
            sys.exit(f"{undelivered} message(s) not delivered within {FLUSH_TIMEOUT_SEC}s; is Kafka up at "
                     f"EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS?")
    if errors.records:
        sys.exit("the producer logged errors:\n" + "\n".join(errors.records))


def main(argv):
    if len(argv) == 2 and argv[1] in ("kafka", "redis"):
        send_all(argv[1])
    elif len(argv) == 3 and argv[1] == "schema":
        print(AvroSignalSerializer(find_signal(argv[2])).schema_string())
    elif len(argv) == 2 and argv[1] == "versions":
        names = ["openedx-events", "edx-event-bus-kafka", "edx-event-bus-redis", "confluent-kafka", "fastavro",
                 "Django"]
        print(json.dumps({name: version(name) for name in names}))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
