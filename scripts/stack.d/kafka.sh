# Apache Kafka 4.x as one KRaft node (broker + controller in one JVM), run from Maven Central jars.
KAFKA_VERSION=4.4.0
# kafka-server brings log4j-api/core at this version; the SLF4J 1.x binding must match it
# because Kafka still logs through slf4j-api 1.7.
KAFKA_LOG4J_VERSION=2.25.5
KAFKA_DIR="$STACK_DIR/kafka"
KAFKA_DIST="$KAFKA_DIR/dist-$KAFKA_VERSION"

kafka_install() {
  maven_fetch "$KAFKA_DIST" "
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-api</artifactId><version>$KAFKA_LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$KAFKA_LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$KAFKA_LOG4J_VERSION</version></dependency>"
}

kafka_write_config() {
  cat >"$KAFKA_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$STACK_HOST:$STACK_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$STACK_HOST:$STACK_KAFKA_PORT,CONTROLLER://$STACK_HOST:$STACK_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$STACK_HOST:$STACK_KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
EOF
  # Warnings and errors only, plus the start-up line that kafka_ready looks for.
  cat >"$KAFKA_DIR/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.out.ref = OUT
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = info
EOF
}

# C1-only JIT: a test broker starts faster on 2 cores and never runs long enough to need C2.
KAFKA_JAVA=(java -Xms128m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:TieredStopAtLevel=1
  -Djava.awt.headless=true -Djava.io.tmpdir="$KAFKA_DIR/tmp"
  -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" -cp "$KAFKA_DIST/lib/*")

kafka_start() {
  mkdir -p "$KAFKA_DIR/tmp"
  kafka_write_config
  # Storage is formatted once; later starts reuse the data directory and its cluster id.
  if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
    local cluster_id
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_DIR/server.properties" \
      >>"$KAFKA_DIR/server.log" 2>&1 || { tail -n 20 "$KAFKA_DIR/server.log" >&2; die "kafka: formatting storage failed"; }
  fi
  echo "--- stack start $(date -u +%FT%TZ)" >>"$KAFKA_DIR/server.log"
  start_bg kafka "${KAFKA_JAVA[@]}" kafka.Kafka "$KAFKA_DIR/server.properties"
}

kafka_stop() { stop_pid kafka; }

# Ready when our broker process is alive, its listener accepts connections and, since its latest
# start, it has logged that start-up finished (the broker is unfenced and serves metadata).
kafka_ready() {
  [ -f "$KAFKA_DIR/pid" ] && kill -0 "$(cat "$KAFKA_DIR/pid")" 2>/dev/null || return 1
  port_open "$STACK_KAFKA_PORT" || return 1
  awk '/^--- stack start/ { up = 0 } /Kafka Server started/ { up = 1 } END { exit !up }' "$KAFKA_DIR/server.log"
}

kafka_env() { echo "export EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS=$STACK_HOST:$STACK_KAFKA_PORT"; }
