# Apicurio Registry 3.x (in-memory H2 storage) for its Confluent-compatible API at /apis/ccompat/v7.
REGISTRY_VERSION=3.3.3
REGISTRY_DIR="$STACK_DIR/registry"
REGISTRY_DIST="$REGISTRY_DIR/dist-$REGISTRY_VERSION"
REGISTRY_URL="http://$STACK_HOST:$STACK_REGISTRY_PORT/apis/ccompat/v7"

registry_install() {
  # The release assembly is a Quarkus fast-jar tree; its own POM dependencies are not needed to run it.
  maven_fetch "$REGISTRY_DIST" "
    <dependency><groupId>io.apicurio</groupId><artifactId>apicurio-registry-app</artifactId><version>$REGISTRY_VERSION</version>
      <type>tar.gz</type><classifier>all</classifier>
      <exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions></dependency>"
  if [ ! -f "$REGISTRY_DIST/app/quarkus-run.jar" ]; then
    rm -rf "$REGISTRY_DIST/app" && mkdir -p "$REGISTRY_DIST/app"
    tar -xzf "$REGISTRY_DIST/lib/apicurio-registry-app-$REGISTRY_VERSION-all.tar.gz" -C "$REGISTRY_DIST/app" \
      || die "registry: could not unpack the Apicurio assembly"
    [ -f "$REGISTRY_DIST/app/quarkus-run.jar" ] || die "registry: quarkus-run.jar missing from the Apicurio assembly"
  fi
}

# Apicurio 3.3 is compiled for Java 21; the default Java here is 17, so pick the newest JDK of 21 or
# later (the machine image carries a Temurin JDK beside the system one), or REGISTRY_JAVA_HOME.
registry_java() {
  local home version best="" best_version=0
  for home in ${REGISTRY_JAVA_HOME:-} /usr/lib/jvm/* "${JAVA_HOME:-}"; do
    if [ ! -x "$home/bin/java" ] || [ ! -f "$home/release" ]; then continue; fi
    version="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")"
    if [ "${version:-0}" -gt "$best_version" ]; then best="$home" best_version="$version"; fi
    [ -n "${REGISTRY_JAVA_HOME:-}" ] && break
  done
  [ "$best_version" -ge 21 ] || die "registry: Apicurio Registry $REGISTRY_VERSION needs Java 21 or later; none found under /usr/lib/jvm (set REGISTRY_JAVA_HOME)"
  echo "$best/bin/java"
}

registry_start() {
  mkdir -p "$REGISTRY_DIR/tmp"
  local java
  java="$(registry_java)"
  # The Quarkus management interface defaults to port 9000, which ClickHouse's native port uses.
  # Native libraries unpack into java.io.tmpdir on every start, so it points inside the stack dir.
  start_bg registry "$java" -Xms64m -Xmx384m -XX:TieredStopAtLevel=1 -Djava.io.tmpdir="$REGISTRY_DIR/tmp" \
    -Dquarkus.http.host="$STACK_HOST" -Dquarkus.http.port="$STACK_REGISTRY_PORT" \
    -Dquarkus.management.host="$STACK_HOST" -Dquarkus.management.port="$STACK_REGISTRY_MANAGEMENT_PORT" \
    -jar "$REGISTRY_DIST/app/quarkus-run.jar"
}

registry_stop() { stop_pid registry; }

# Ready when our process is alive and the Confluent-compatible API answers.
registry_ready() {
  [ -f "$REGISTRY_DIR/pid" ] && kill -0 "$(cat "$REGISTRY_DIR/pid")" 2>/dev/null || return 1
  curl -fsS -o /dev/null --max-time 2 "$REGISTRY_URL/subjects"
}

registry_env() { echo "export EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL=$REGISTRY_URL"; }
