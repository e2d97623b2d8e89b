"""
The least Django configuration the Open edX event bus producers need, read from the same environment
variables course-sink uses. Loaded by produce.py through DJANGO_SETTINGS_MODULE.
"""
import os

SECRET_KEY = "openedx-producer-test-peer"
USE_TZ = True
INSTALLED_APPS = ["openedx_events", "edx_event_bus_kafka", "edx_event_bus_redis"]
DATABASES = {}

# Appears as ce_source "openedx/cms/web", as Studio would send.
EVENTS_SERVICE_NAME = "cms"

EVENT_BUS_TOPIC_PREFIX = os.environ.get("EVENT_BUS_TOPIC_PREFIX") or None
EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS = os.environ.get("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS")
EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL = os.environ.get("EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL")
EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_KEY = os.environ.get("EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_KEY", "")
EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_SECRET = os.environ.get("EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_SECRET", "")
EVENT_BUS_REDIS_CONNECTION_URL = os.environ.get("EVENT_BUS_REDIS_URL")
# Delivery callbacks are also driven by the final flush; a short poll keeps test runs quick.
EVENT_BUS_KAFKA_POLL_INTERVAL_SEC = 0.1

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
