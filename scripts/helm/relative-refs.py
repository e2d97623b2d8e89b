"""Makes kubernetes-validate's schemas resolvable from the files themselves.

Each schema carries an "$id" on kubernetes.io and absolute "$ref"s ("/api/_definitions.json#..."), so a
validator resolves them to kubernetes.io URLs and goes to the network. Dropping the "$id" and making the
refs relative lets kubeconform resolve them against the file that holds them, inside one directory.
"""
import json
import pathlib
import sys


def rewrite(node):
    if isinstance(node, dict):
        return {k: (relative(v) if k == "$ref" and isinstance(v, str) else rewrite(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [rewrite(v) for v in node]
    return node


def relative(ref):
    target, _, fragment = ref.partition("#")
    if not target.startswith("/"):
        return ref
    return pathlib.PurePosixPath(target).name + ("#" + fragment if fragment else "")


for path in pathlib.Path(sys.argv[1]).rglob("*.json"):
    schema = rewrite(json.loads(path.read_text()))
    schema.pop("$id", None)
    path.write_text(json.dumps(schema))
