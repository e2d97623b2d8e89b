# shellcheck shell=bash
# Installs the chart-checking tools once into .stack/helm-tools; later runs find them and return at once.
# Everything comes from package registries: helm and kubeconform as Go modules, the Kubernetes JSON
# schemas from the kubernetes-validate Python package.

HELM_VERSION="${HELM_VERSION:-v3.21.4}"
# helm v3.21.4 is built against client-go v0.36, which is the Kubernetes version its Makefile would stamp.
HELM_KUBE_MINOR="${HELM_KUBE_MINOR:-36}"
KUBECONFORM_VERSION="${KUBECONFORM_VERSION:-v0.7.0}"
# promtool checks and unit-tests the chart's alert rules. Prometheus' Go module versions are v0.<minor>.<patch>
# (v0.316.0 is Prometheus 3.16.0).
PROMTOOL_VERSION="${PROMTOOL_VERSION:-v0.316.0}"
KUBERNETES_VALIDATE_VERSION="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
# The Kubernetes version the chart is validated against.
KUBE_VERSION="${KUBE_VERSION:-1.33.0}"

TOOLS_DIR="${TOOLS_DIR:-$ROOT/.stack/helm-tools}"
BIN_DIR="$TOOLS_DIR/bin"
SCHEMA_DIR="$TOOLS_DIR/schemas"

tools_log() { printf '[helm-check] %s\n' "$*" >&2; }

go_env() {
  env GOBIN="$BIN_DIR" GOPATH="$TOOLS_DIR/go" GOMODCACHE="$TOOLS_DIR/go/pkg/mod" \
    GOCACHE="$TOOLS_DIR/go/cache" GOFLAGS=-buildvcs=false GOTOOLCHAIN=auto CGO_ENABLED=0 "$@"
}

install_helm() {
  local stamp="$BIN_DIR/.helm-$HELM_VERSION"
  [ -x "$BIN_DIR/helm" ] && [ -f "$stamp" ] && return 0
  command -v go >/dev/null || { tools_log "go is required to build helm"; return 1; }
  tools_log "building helm $HELM_VERSION (first run only)"
  # go install skips helm's Makefile, so the version and default Kubernetes version are stamped here.
  local pkg=helm.sh/helm/v3
  go_env go install -ldflags "-s -w \
    -X $pkg/internal/version.version=$HELM_VERSION \
    -X $pkg/pkg/chartutil.k8sVersionMajor=1 -X $pkg/pkg/chartutil.k8sVersionMinor=$HELM_KUBE_MINOR \
    -X $pkg/pkg/lint/rules.k8sVersionMajor=1 -X $pkg/pkg/lint/rules.k8sVersionMinor=$HELM_KUBE_MINOR" \
    "$pkg/cmd/helm@$HELM_VERSION"
  touch "$stamp"
}

install_kubeconform() {
  local stamp="$BIN_DIR/.kubeconform-$KUBECONFORM_VERSION"
  [ -x "$BIN_DIR/kubeconform" ] && [ -f "$stamp" ] && return 0
  tools_log "building kubeconform $KUBECONFORM_VERSION (first run only)"
  go_env go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
  touch "$stamp"
}

# promtool is built from all of Prometheus' module; remove_all_sd leaves out the service-discovery plugins
# (cloud SDKs), which rule checks do not use, to keep the first build short.
install_promtool() {
  local stamp="$BIN_DIR/.promtool-$PROMTOOL_VERSION-remove_all_sd"
  [ -x "$BIN_DIR/promtool" ] && [ -f "$stamp" ] && return 0
  tools_log "building promtool $PROMTOOL_VERSION (first run only; a few minutes)"
  go_env go install -tags remove_all_sd -ldflags "-s -w" "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION"
  touch "$stamp"
}

# kubernetes-validate ships per-kind schemas whose $refs are absolute ("/api/_definitions.json#...");
# kubeconform resolves refs against the schema file, so they are rewritten to the sibling file.
install_schemas() {
  local stamp="$SCHEMA_DIR/.kubernetes-validate-$KUBERNETES_VALIDATE_VERSION"
  [ -f "$stamp" ] && return 0
  tools_log "installing Kubernetes JSON schemas from kubernetes-validate $KUBERNETES_VALIDATE_VERSION (first run only)"
  local venv="$TOOLS_DIR/venv"
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
  local src
  src="$("$venv/bin/python" -c 'import importlib.resources as r; print(r.files("kubernetes_validate") / "kubernetes-json-schema")')"
  rm -rf "$SCHEMA_DIR"
  mkdir -p "$SCHEMA_DIR"
  local minor="${KUBE_VERSION%.*}"
  local dir
  for dir in "$src"/v"$minor".0-local "$src"/v"$minor".0-local-strict; do
    [ -d "$dir" ] || { tools_log "kubernetes-validate has no schemas for $dir"; return 1; }
    cp -r "$dir" "$SCHEMA_DIR/"
  done
  "$venv/bin/python" "$ROOT/scripts/helm/relative-refs.py" "$SCHEMA_DIR"
  touch "$stamp"
}

install_tools() {
  mkdir -p "$BIN_DIR"
  install_helm
  install_kubeconform
  install_promtool
  install_schemas
}
