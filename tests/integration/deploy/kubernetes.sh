#!/usr/bin/env bash
# The Kubernetes recipe (deploy/kubernetes/) parsed offline by kubectl and
# checked for what the scale-out relies on. Skipped (77) without kubectl.
# `kubectl label --local -o json` decodes each manifest client-side with no
# cluster; `kubectl apply --dry-run=client` would still ask a server for the
# API schema, and none can be reached from the lab.
set -euo pipefail
: "${ML_SOURCE_DIR:?set by ctest}"
DIR=$ML_SOURCE_DIR/deploy/kubernetes
command -v kubectl >/dev/null || { echo "SKIP: kubectl not installed"; exit 77; }
WORK=$(mktemp -d /tmp/ml-k8s-it.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export KUBECONFIG=$WORK/none # never a real cluster's config
checks=0
for f in shard-job results-pvc merge-job; do
    kubectl label --local -f "$DIR/$f.yaml" minerlab.dev/checked=1 -o json \
        >"$WORK/$f.json" 2>"$WORK/$f.err" ||
        { cat "$WORK/$f.err"; echo "FAIL: kubectl cannot decode $f.yaml"; exit 1; }
    checks=$((checks + 1))
done
# A broken manifest must be caught by the same step, or the check proves nothing.
sed 's/^kind: Job/kind: [Job/' "$DIR/shard-job.yaml" >"$WORK/broken.yaml"
if kubectl label --local -f "$WORK/broken.yaml" a=b -o json >/dev/null 2>&1; then
    echo "FAIL: kubectl accepted a broken manifest"
    exit 1
fi
checks=$((checks + 1))
python3 - "$WORK" "$DIR/README.md" <<'PY'
import json, re, sys
w, readme = sys.argv[1], open(sys.argv[2]).read()
job = json.load(open(w + "/shard-job.json"))
merge = json.load(open(w + "/merge-job.json"))
pvc = json.load(open(w + "/results-pvc.json"))
spec = job["spec"]
assert job["kind"] == "Job" and job["apiVersion"] == "batch/v1"
assert spec["completionMode"] == "Indexed", spec
pod = spec["template"]["spec"]
assert pod["restartPolicy"] == "Never" and "backoffLimitPerIndex" in spec
c = pod["containers"][0]
env = {e["name"]: e["value"] for e in c["env"]}
cmd = " ".join(c["command"] + c["args"])
assert '--shard "auto/$SHARDS"' in cmd, cmd
assert int(env["SHARDS"]) == spec["completions"], (env["SHARDS"], spec["completions"])
assert spec["parallelism"] <= spec["completions"]
for flag in ("--suite", "--repeat", "--seed"):
    assert flag in cmd, flag
mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
assert '--out "/results/' in cmd and mounts["results"] == "/results", (cmd, mounts)
claim = {v["name"]: v.get("persistentVolumeClaim", {}).get("claimName")
         for v in pod["volumes"]}
assert claim["results"] == pvc["metadata"]["name"]
assert "ReadWriteMany" in pvc["spec"]["accessModes"]
mpod = merge["spec"]["template"]["spec"]
mc = mpod["containers"][0]
assert "minerlab merge" in " ".join(mc["command"] + mc["args"])
assert {v["name"]: v.get("persistentVolumeClaim", {}).get("claimName")
        for v in mpod["volumes"]}["results"] == pvc["metadata"]["name"]
assert mc["env"] == [e for e in c["env"] if e["name"] == "PLAN_NAME"], "PLAN_NAME differs"
caps = set(c["securityContext"]["capabilities"]["add"])
documented = set()
for row in re.findall(r"^\| (`[A-Z_]+`(?:, `[A-Z_]+`)*) \|", readme, re.M):
    documented |= set(re.findall(r"`([A-Z_]+)`", row))
assert caps == documented, ("manifest", sorted(caps), "README", sorted(documented))
anti = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
assert anti[0]["topologyKey"] == "kubernetes.io/hostname"
res = c["resources"]
assert res["requests"] == res["limits"], "not Guaranteed QoS"
print("manifests ok:", len(caps), "capabilities documented")
PY
checks=$((checks + 1))
echo "deploy_kubernetes: $checks passed, 0 failed"
