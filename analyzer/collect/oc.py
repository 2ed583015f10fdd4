"""Collection from an Operator deployment on OpenShift (`oc`).

The namespace's QuayRegistry, pods and events as YAML (`oc get ... -o yaml`), `oc adm top pods`;
for each pod of a Quay component the pod YAML (`inspect.json` of the layout, the pod-side
equivalent of `podman inspect`) and `oc logs --timestamps` of each container, plus
`--previous` for a container that restarted (the crashed instance's log is the one that
explains the crash). Files inside running containers come through `oc exec` (`gather`).

config.yaml is read from a running Quay pod's `/conf/stack`, which is what Quay actually runs
with: the Operator adds the settings of the components it manages (database, Redis, storage...)
to the config bundle before mounting it. When no Quay pod runs (a crash loop, when it matters
most) or exec is refused, it is decoded from the Secret mounted at `/conf/stack` in the pod
spec; only when that is unknown, from the QuayRegistry's `spec.configBundleSecret`, which lacks
those settings (the manifest says so). Only `config.yaml` and certificates are taken from a Secret, never
`ssl.key`.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from analyzer.collect import gather, health
from analyzer.collect.options import Options, Outcome
from analyzer.collect.runner import Runner
from analyzer.collect.targets import COMPONENTS, Access, Target, component_of, safe_name

OC = "oc"


def _yaml_list(data: bytes | None) -> list[dict[str, Any]]:
    """The objects of `oc get -o yaml` output (a List's items, or one object)."""
    doc = gather.load_config(data)
    if not doc:
        return []
    items = doc.get("items")
    if isinstance(items, list):
        return [i for i in items if isinstance(i, dict)]
    return [doc]


def _d(v: Any) -> dict[str, Any]:
    """The value if it is a mapping, else an empty one."""
    return v if isinstance(v, dict) else {}


def _l(v: Any) -> list[Any]:
    """The value if it is a list, else an empty one."""
    return v if isinstance(v, list) else []


def _state(status: dict[str, Any]) -> tuple[bool, str]:
    """(running, why not) of a containerStatuses entry."""
    state = _d(status.get("state"))
    if "running" in state:
        return True, ""
    waiting = _d(state.get("waiting"))
    terminated = _d(state.get("terminated"))
    return False, str(waiting.get("reason") or terminated.get("reason") or "not running")


def _conf_secret(pod: dict[str, Any]) -> str | None:
    """The Secret mounted at /conf/stack in a Quay pod's spec, if the spec says."""
    spec = _d(pod.get("spec"))
    volume_name = None
    for c in _l(spec.get("containers")):
        for m in _l(_d(c).get("volumeMounts")):
            if _d(m).get("mountPath") in ("/conf/stack", "/conf/stack/"):
                volume_name = _d(m).get("name")
    for v in _l(spec.get("volumes")):
        v = _d(v)
        if v.get("name") != volume_name:
            continue
        secret = _d(v.get("secret")).get("secretName")
        if isinstance(secret, str):
            return secret
        for src in _l(_d(v.get("projected")).get("sources")):
            name = _d(_d(src).get("secret")).get("name")
            if isinstance(name, str) and name:
                return name
    return None


def discover(pods: list[dict[str, Any]], namespace: str) -> list[tuple[Target, dict[str, Any]]]:
    """(target, pod object) for every container of a Quay component's pod, Quay first."""
    out: list[tuple[Target, dict[str, Any]]] = []
    for pod in pods:
        meta = _d(pod.get("metadata"))
        name = meta.get("name")
        if not isinstance(name, str) or not name:
            continue
        spec, status = _d(pod.get("spec")), _d(pod.get("status"))
        containers = [_d(c) for c in _l(spec.get("containers")) if _d(c).get("name")]
        label = str(_d(meta.get("labels")).get("quay-component") or "")
        image = str(containers[0].get("image") or "") if containers else ""
        comp = component_of(name, image, label=label)
        if comp is None or not containers:
            continue
        statuses = {str(_d(s).get("name")): _d(s) for s in _l(status.get("containerStatuses"))}
        for i, c in enumerate(containers):
            cname = str(c["name"])
            st = statuses.get(cname, {})
            running, why = _state(st) if st else (False, str(status.get("phase") or "unknown"))
            env = {
                str(e.get("name")): str(e.get("value"))
                for e in (_d(x) for x in _l(c.get("env")))
                if e.get("name") and isinstance(e.get("value"), str)
            }
            target = Target(
                component=comp,
                name=name,
                dirname=safe_name(name),
                running=running,
                image=str(c.get("image") or ""),
                exec_prefix=[OC, "exec", name, "-c", cname, "-n", namespace, "--"],
                env=env,
                restarts=int(st.get("restartCount") or 0),
                state=why,
                container=cname,
                primary=i == 0,
            )
            out.append((target, pod))
    order = {c: i for i, c in enumerate(COMPONENTS)}
    out.sort(key=lambda tp: (order[tp[0].component], not tp[0].running))
    return out


def _log_name(target: Target, previous: bool) -> str:
    """current.log / previous.log for a pod's first container, <container>[-previous].log else."""
    if target.primary:
        return "previous.log" if previous else "current.log"
    c = safe_name(target.container)
    return f"{c}-previous.log" if previous else f"{c}.log"


def _from_secret(
    runner: Runner, namespace: str, secret: str, base: str, partial: bool
) -> dict[str, Any] | None:
    """config.yaml and certificates decoded from a Secret; its private keys are never written."""
    step = runner.run(
        [OC, "get", "secret", secret, "-n", namespace, "-o", "json"], read=True, check=_json
    )
    if not step.ok or not step.data:
        return None
    entry = runner.commands[-1]
    data = _d(_d(json.loads(step.data)).get("data"))
    config = None
    for key, value in sorted(data.items()):
        if not isinstance(value, str):
            continue
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            runner.fail(step.cmd, f"key {key} of secret {secret} is not base64")
            continue
        if key == "config.yaml":
            runner.put(f"{base}/config.yaml", raw, entry)
            config = gather.load_config(raw)
        elif gather.KEYLIKE_NAME.search(key):
            runner.withhold(f"{base}/{safe_name(key)}", "private key: never collected")
        elif (
            key in ("ssl.cert", "ssl.crt")
            or key.startswith("extra_ca_cert")
            or key.endswith((".crt", ".cert", ".pem"))
        ):
            rel = (
                f"{base}/extra_ca_certs/{safe_name(key.removeprefix('extra_ca_cert_'))}"
                if key.startswith("extra_ca_cert")
                else f"{base}/{safe_name(key)}"
            )
            runner.put(rel, raw)
            gather.keep_certificates_only(runner, rel)
    if config is None and "config.yaml" not in data:
        runner.fail(step.cmd, f"secret {secret} holds no config.yaml")
    elif partial:
        runner.fail(
            step.cmd,
            f"config.yaml was taken from the config bundle secret {secret} because no Quay pod "
            "is running: the settings the Operator adds for the components it manages are not in it",
        )
    return config


def _json(data: bytes) -> str | None:
    """Why an output is not a JSON object (`oc get -o json` of one resource)."""
    try:
        obj = json.loads(data)
    except ValueError as exc:
        return f"not JSON: {exc}"
    return None if isinstance(obj, dict) else "not a JSON object"


def collect(runner: Runner, opts: Options) -> Outcome:
    """Run the Operator collection into the runner's bundle directory."""
    outcome = Outcome()
    ns = opts.namespace
    if not ns:
        step = runner.run([OC, "project", "-q"], read=True)
        ns = (step.data or b"").decode("utf-8", errors="replace").strip() if step.ok else ""
        if not ns:
            runner.fail(step.cmd, "no --namespace given and no current project; nothing to collect")
            return outcome
    outcome.namespace = ns
    server = runner.run([OC, "whoami", "--show-server"], read=True, quiet=True)
    outcome.host = (server.data or b"").decode("utf-8", errors="replace").strip() or None

    cr_step = runner.run(
        [OC, "get", "quayregistry", "-n", ns, "-o", "yaml"],
        output="runtime/quayregistry.yaml",
        read=True,
        check=gather.yaml_text,
    )
    registries = _yaml_list(cr_step.data) if cr_step.ok else []
    pods_step = runner.run(
        [OC, "get", "pods", "-n", ns, "-o", "yaml"],
        output="runtime/pods.yaml",
        read=True,
        check=gather.yaml_text,
    )
    pods = _yaml_list(pods_step.data) if pods_step.ok else []
    runner.run([OC, "get", "events", "-n", ns, "-o", "yaml"], output="runtime/events.yaml")
    runner.run([OC, "adm", "top", "pods", "-n", ns], output="runtime/top-pods.txt")

    found = discover(pods, ns)
    if pods_step.ok and not found:
        runner.fail(pods_step.cmd, f"no Quay, PostgreSQL, Redis or Clair pod in namespace {ns}")
    seen_pods: set[str] = set()
    for t, _pod in found:
        if t.name not in seen_pods:
            seen_pods.add(t.name)
            runner.run(
                [OC, "get", "pod", t.name, "-n", ns, "-o", "yaml"],
                output=f"{t.base}/inspect.json",
                check=gather.yaml_text,
            )
        container = t.container
        since = [f"--since={opts.since}"] if opts.since else []
        runner.run(
            [OC, "logs", "--timestamps", *since, t.name, "-c", container, "-n", ns],
            output=f"{t.base}/logs/{_log_name(t, False)}",
            keep_partial=True,
            empty_ok=True,
        )
        if t.restarts > 0:
            runner.run(
                [
                    OC,
                    "logs",
                    "--timestamps",
                    "--previous",
                    *since,
                    t.name,
                    "-c",
                    container,
                    "-n",
                    ns,
                ],
                output=f"{t.base}/logs/{_log_name(t, True)}",
                keep_partial=True,
                empty_ok=True,
            )

    quays = [(t, p) for t, p in found if t.component == "quay" and t.primary]
    config = None
    running = next(((t, p) for t, p in quays if t.running), None)
    if running is not None:
        config = gather.quay_config(runner, Access(runner, running[0]))
        gather.db_connectivity(runner, running[0], config)
    if config is None and quays:
        # no running Quay pod, or exec refused: the Secret the pod mounts, then the user's bundle
        first, pod = running or quays[0]
        secret = _conf_secret(pod)
        if secret:
            config = _from_secret(runner, ns, secret, first.base, partial=False)
        if config is None:
            bundle = next(
                (
                    s
                    for r in registries
                    if isinstance(s := _d(r.get("spec")).get("configBundleSecret"), str) and s
                ),
                None,
            )
            if bundle:
                config = _from_secret(runner, ns, bundle, first.base, partial=True)
            elif not secret:
                runner.fail(
                    None,
                    "config.yaml not collected: no Quay pod is readable and no secret is known",
                )

    for t, _pod in found:
        if not t.primary:
            continue
        if t.component == "postgres":
            gather.postgres(runner, Access(runner, t))
        elif t.component == "clair":
            gather.clair(runner, Access(runner, t))

    endpoint = next(
        (
            e
            for r in registries
            if isinstance(e := _d(r.get("status")).get("registryEndpoint"), str) and e
        ),
        None,
    )
    outcome.quay_url = opts.quay_url or endpoint or health.base_url_from_config(config)
    health.fetch_or_say(
        runner,
        outcome.quay_url,
        insecure=opts.insecure,
        timeout=opts.timeout,
        missing="the QuayRegistry has no status.registryEndpoint",
    )
    return outcome
