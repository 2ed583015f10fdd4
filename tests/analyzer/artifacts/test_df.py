"""df: GNU coreutils `df` in its -ah, -h, -k, -P, -hT, -i and -H forms.

DF_AH, DF_H, DF_K, DF_P, DF_HT, DF_I and DF_SI were written by GNU coreutils 9.1 `df` on a
Linux host (one sandbox-specific row removed from each). RHEL_ALP (with `df:` errors before the
header, a `systemd-1` row of `-`, a mount point with spaces) and RHEL_WRAPPED (a RHEL 6 row
whose long device name wrapped onto its own line) are df outputs from RHEL sosreports as quoted
in insights-core's df parser tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.artifacts import df
from analyzer.artifacts.base import TextSource

SCHEMA = json.loads((Path(__file__).parents[3] / "schemas/artifacts/df.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
KiB, GiB = 1 << 10, 1 << 30

DF_AH = """\
Filesystem               Size  Used Avail Use% Mounted on
proc                        0     0     0    - /proc
sysfs                       0     0     0    - /sys
devtmpfs                  12G     0   12G   0% /dev
tmpfs                     24G     0   24G   0% /dev/shm
devpts                      0     0     0    - /dev/pts
/dev/vda                 252G   23G   80G  22% /
tmpfs                     12G     0   12G   0% /sys/fs/cgroup
cgroup                      0     0     0    - /sys/fs/cgroup/cpu
cgroup2                     0     0     0    - /sys/fs/cgroup/unified
"""

DF_H = """\
Filesystem               Size  Used Avail Use% Mounted on
devtmpfs                  12G     0   12G   0% /dev
tmpfs                     24G     0   24G   0% /dev/shm
/dev/vda                 252G   23G   80G  22% /
tmpfs                     12G     0   12G   0% /sys/fs/cgroup
"""

DF_K = """\
Filesystem              1K-blocks     Used Available Use% Mounted on
devtmpfs                 12334492        0  12334492   0% /dev
tmpfs                    24684092        0  24684092   0% /dev/shm
/dev/vda                264212084 23371388  83019524  22% /
tmpfs                    12342044        0  12342044   0% /sys/fs/cgroup
"""

DF_P = """\
Filesystem              1024-blocks     Used Available Capacity Mounted on
devtmpfs                   12334492        0  12334492       0% /dev
tmpfs                      24684092        0  24684092       0% /dev/shm
/dev/vda                  264212084 23371392  83019520      22% /
tmpfs                      12342044        0  12342044       0% /sys/fs/cgroup
"""

DF_HT = """\
Filesystem              Type      Size  Used Avail Use% Mounted on
devtmpfs                devtmpfs   12G     0   12G   0% /dev
tmpfs                   tmpfs      24G     0   24G   0% /dev/shm
/dev/vda                ext4      252G   23G   80G  22% /
tmpfs                   tmpfs      12G     0   12G   0% /sys/fs/cgroup
"""

DF_I = """\
Filesystem                Inodes  IUsed    IFree IUse% Mounted on
devtmpfs                 3083623    114  3083509    1% /dev
tmpfs                    3085511      1  3085510    1% /dev/shm
/dev/vda                16777216 436276 16340940    3% /
tmpfs                    3085511     11  3085500    1% /sys/fs/cgroup
"""

DF_SI = """\
Filesystem               Size  Used Avail Use% Mounted on
devtmpfs                  13G     0   13G   0% /dev
tmpfs                     26G     0   26G   0% /dev/shm
/dev/vda                 271G   24G   86G  22% /
tmpfs                     13G     0   13G   0% /sys/fs/cgroup
"""

RHEL_ALP = """\
/bin/df: '/vobs/GEMS': No such file or directory
Filesystem     1024-blocks    Used Available Capacity Mounted on
sysfs                    0       0         0        - /sys
devtmpfs            968896       0    968896       0% /dev
/dev/sda2         17813504 2127172  15686332      12% /
systemd-1                -       -         -        - /proc/sys/fs/binfmt_misc
/dev/sdb1         52402180 1088148  51314032       3% /V M T o o l s
/dev/sda1          1038336  185676    852660      18% /boot
"""

RHEL_WRAPPED = """\
Filesystem        Inodes  IUsed     IFree IUse% Mounted on
/dev/mapper/vg_lxcrhel6sat56-lv_root
                 6275072 124955   6150117    2% /
devtmpfs         1497120    532   1496588    1% /dev
"""

VALID = {
    "df-ah": DF_AH,
    "df-h": DF_H,
    "df-k": DF_K,
    "df-P": DF_P,
    "df-hT": DF_HT,
    "df-i": DF_I,
    "df-H": DF_SI,
    "rhel-alP": RHEL_ALP,
    "rhel6-wrapped": RHEL_WRAPPED,
}


def parse(text: str):
    """Parse text as the df kind."""
    return df.parse(TextSource.from_text("postgres/postgresql-quay/df.txt", text))


def mount(parsed, where: str) -> dict:
    """The filesystem mounted at `where`."""
    return next(f for f in parsed.data["filesystems"] if f["mounted_on"] == where)


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_valid_outputs_parse_and_match_schema(text: str) -> None:
    parsed = parse(text)
    assert parsed.status == "parsed", parsed.problems
    VALIDATOR.validate(parsed.data)


def test_df_ah_pseudo_filesystems() -> None:
    parsed = parse(DF_AH)
    proc = mount(parsed, "/proc")
    assert proc["size_bytes"] == 0 and proc["use_percent"] is None  # `-` -> null, `0` stays 0
    root = mount(parsed, "/")
    assert root["filesystem"] == "/dev/vda"
    assert root["size_bytes"] == 252 * GiB and root["used_bytes"] == 23 * GiB
    assert root["avail_bytes"] == 80 * GiB and root["use_percent"] == 22
    assert root["size_raw"] == "252G"
    assert parsed.data["units"] == "human" and parsed.data["block_size"] is None
    assert parsed.locations["filesystems.5"] == 7


def test_df_k_blocks() -> None:
    parsed = parse(DF_K)
    root = mount(parsed, "/")
    assert parsed.data["units"] == "blocks" and parsed.data["block_size"] == 1024
    assert root["size_bytes"] == 264212084 * KiB
    assert root["used_bytes"] == 23371388 * KiB
    assert root["avail_bytes"] == 83019524 * KiB


def test_df_p_capacity_column() -> None:
    root = mount(parse(DF_P), "/")
    assert root["use_percent"] == 22 and root["size_bytes"] == 264212084 * KiB


def test_df_type_column() -> None:
    parsed = parse(DF_HT)
    assert mount(parsed, "/")["type"] == "ext4"
    assert mount(parse(DF_H), "/")["type"] is None


def test_df_inodes() -> None:
    root = mount(parse(DF_I), "/")
    assert parse(DF_I).data["units"] == "inodes"
    assert (root["inodes"], root["inodes_used"], root["inodes_free"]) == (
        16777216,
        436276,
        16340940,
    )
    assert root["inodes_use_percent"] == 3 and root["size_bytes"] is None


def test_dashes_and_spaces_in_mount_point() -> None:
    parsed = parse(RHEL_ALP)
    assert [p.code for p in parsed.problems] == ["message"]
    binfmt = mount(parsed, "/proc/sys/fs/binfmt_misc")
    assert binfmt["size_bytes"] is None and binfmt["used_bytes"] is None
    assert mount(parsed, "/V M T o o l s")["avail_bytes"] == 51314032 * KiB


def test_wrapped_row_is_joined() -> None:
    parsed = parse(RHEL_WRAPPED)
    root = mount(parsed, "/")
    assert root["filesystem"] == "/dev/mapper/vg_lxcrhel6sat56-lv_root"
    assert root["inodes"] == 6275072
    assert parsed.locations["filesystems.0"] == 2


def test_lower_case_k_means_powers_of_1000() -> None:
    text = DF_SI + "shm                      4.1k     0  4.1k   0% /dev/shm2\n"
    parsed = parse(text)
    assert mount(parsed, "/")["size_bytes"] == 271 * 10**9
    assert mount(parsed, "/dev/shm2")["size_bytes"] == 4100


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("total 12\ndrwxr-xr-x 2 root root 4096 x\n", 1),
        ("Filesystem               Size  Used Avail Use% Mounted on\n/dev/vda 252G 23G\n", 2),
        (
            "Filesystem               Size  Used Avail Use% Mounted on\n/dev/vda 252G lots 80G 22% /\n",
            2,
        ),
    ],
    ids=["not-df", "too-few-fields", "not-a-number"],
)
def test_malformed_is_invalid_with_line(text: str, line: int) -> None:
    parsed = parse(text)
    assert parsed.status == "invalid"
    assert any(p.line == line for p in parsed.problems), parsed.problems
    VALIDATOR.validate(parsed.data)


def test_empty_is_invalid() -> None:
    parsed = parse("")
    assert parsed.status == "invalid" and parsed.data["filesystems"] == []


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_sniff(text: str) -> None:
    assert df.sniff(text[:1024])


FOREIGN = {
    "podman-stats": "ID            NAME        CPU %       MEM USAGE / LIMIT  MEM %       NET IO      BLOCK IO    PIDS\n",
    "top-pods": "NAME                                             CPU(cores)   MEMORY(bytes)   \n",
    "free": "               total        used        free      shared  buff/cache   available\n",
    "empty": "",
}


@pytest.mark.parametrize("head", FOREIGN.values(), ids=FOREIGN.keys())
def test_sniff_rejects_other_kinds(head: str) -> None:
    assert not df.sniff(head)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_random_text_never_raises(text: str) -> None:
    VALIDATOR.validate(parse(text).data)
    df.sniff(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789.,KMGk-% /abc", max_size=40), max_size=6))
def test_random_rows_under_a_real_header_never_raise(rows: list[str]) -> None:
    parsed = parse(DF_AH.splitlines()[0] + "\n" + "\n".join(rows))
    VALIDATOR.validate(parsed.data)
