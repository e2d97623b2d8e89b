# S3Proxy serving the S3 API from a local directory, with SigV4 authentication like real S3.
S3_PROXY_VERSION=4.1.0
S3_DIR="$STACK_DIR/s3"
S3_DIST="$S3_DIR/dist-$S3_PROXY_VERSION"
S3_ENDPOINT_URL="http://$STACK_HOST:$STACK_S3_PORT"
S3_STACK_BUCKET=course-sink
S3_STACK_REGION=us-east-1
S3_STACK_ACCESS_KEY=course-sink
S3_STACK_SECRET_KEY=course-sink-secret

# Maven's nearest-wins picks jackson-annotations 2.18 for s3proxy, but its Jackson 3 databind needs the
# 2.22 annotations (JsonSerializeAs), so that version is pinned beside it.
s3_install() {
  maven_fetch "$S3_DIST" "
    <dependency><groupId>org.gaul</groupId><artifactId>s3proxy</artifactId><version>$S3_PROXY_VERSION</version></dependency>
    <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-annotations</artifactId><version>2.22</version></dependency>"
}

s3_start() {
  mkdir -p "$S3_DIR/data" "$S3_DIR/tmp"
  cat >"$S3_DIR/s3proxy.properties" <<EOF
s3proxy.endpoint=$S3_ENDPOINT_URL
s3proxy.authorization=aws-v4
s3proxy.identity=$S3_STACK_ACCESS_KEY
s3proxy.credential=$S3_STACK_SECRET_KEY
jclouds.provider=filesystem-nio2
jclouds.filesystem.basedir=$S3_DIR/data
jclouds.identity=unused
jclouds.credential=unused
EOF
  # The jar ships no logback configuration, and logback's default is to log everything at DEBUG.
  cat >"$S3_DIR/logback.xml" <<'EOF'
<configuration>
  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
  </appender>
  <logger name="org.gaul.s3proxy" level="INFO"/>
  <root level="WARN"><appender-ref ref="OUT"/></root>
</configuration>
EOF
  # The s3proxy jar has no Main-Class in its manifest, so it runs from the classpath.
  start_bg s3 java -Xms32m -Xmx256m -XX:TieredStopAtLevel=1 -Djava.io.tmpdir="$S3_DIR/tmp" -Dlogback.configurationFile="$S3_DIR/logback.xml" \
    -cp "$S3_DIST/lib/*" org.gaul.s3proxy.Main --properties "$S3_DIR/s3proxy.properties"
}

s3_stop() { stop_pid s3; }

# Ready when our process is alive and answers HTTP (an unsigned request gets an S3 error, which is enough).
s3_ready() {
  [ -f "$S3_DIR/pid" ] && kill -0 "$(cat "$S3_DIR/pid")" 2>/dev/null || return 1
  local code
  code="$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2 "$S3_ENDPOINT_URL/")" || return 1
  [ "$code" != 000 ]
}

# Creates the bucket when missing, through the S3 API with SigV4.
s3_init() {
  local url="$S3_ENDPOINT_URL/$S3_STACK_BUCKET" empty_sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
  # curl signs the request but does not send the payload hash header that S3 requires; the body is empty.
  local auth=(--aws-sigv4 "aws:amz:$S3_STACK_REGION:s3" --user "$S3_STACK_ACCESS_KEY:$S3_STACK_SECRET_KEY"
    -H "x-amz-content-sha256: $empty_sha256")
  if curl -fsS -o /dev/null --max-time 10 -I "${auth[@]}" "$url" 2>/dev/null; then return 0; fi
  curl -fsS -o /dev/null --max-time 10 -X PUT "${auth[@]}" "$url" || die "s3: could not create bucket $S3_STACK_BUCKET at $S3_ENDPOINT_URL"
  log "s3: created bucket $S3_STACK_BUCKET"
}

s3_env() {
  echo "export S3_ENDPOINT=$S3_ENDPOINT_URL"
  echo "export S3_BUCKET=$S3_STACK_BUCKET"
  echo "export S3_REGION=$S3_STACK_REGION"
  echo "export AWS_ACCESS_KEY_ID=$S3_STACK_ACCESS_KEY"
  echo "export AWS_SECRET_ACCESS_KEY=$S3_STACK_SECRET_KEY"
}
