"""Issue 8: Bochs runs on machines without a sound card, a display or a terminal.

Debian's Bochs 2.7 aborts before its first instruction when ALSA finds no
sound card, unless its configuration says `sound: driver=dummy`. An empty ALSA
configuration defines no PCM device at all, so pointing ALSA_CONFIG_PATH at
one takes the sound card away on any machine. Whether Bochs then aborts
depends on its locale (measured: every time under a UTF-8 locale, never under
LC_ALL=C: the mixer thread clears a packet whose size the failed ALSA open
never set, so it is whatever the heap held), so the tests pin LC_ALL=C.UTF-8,
the usual locale of a Debian machine."""
import os
import re
import signal
import subprocess
import sys

import pytest

from kestrel import OUT, ROOT, build_iso, read_log, run_bochs
import bochsrc  # noqa: E402  (kestrel puts scripts/ on the path)

SOUND_LINE = "sound: driver=dummy\n"
ABORT = "*** buffer overflow detected ***: terminated"
NO_ABORT = "ALSA opened a sound device even with an empty configuration: the abort does not reproduce here"


@pytest.fixture(scope="module")
def soundless_env(tmp_path_factory):
    """The environment of a machine where ALSA finds no sound card."""
    d = tmp_path_factory.mktemp("soundless")
    (d / "asound.conf").write_text("")
    (d / "home").mkdir()  # no ~/.asoundrc either
    env = dict(os.environ, ALSA_CONFIG_PATH=str(d / "asound.conf"), HOME=str(d / "home"), LC_ALL="C.UTF-8")
    env.pop("ALSA_CONFIG_DIR", None)
    return env


@pytest.fixture(scope="module")
def iso():
    return build_iso("nomonitor timeout=1000", [("hello.bin", "hello")], name="headless")


def write_config(name, iso, sound=True, rom=bochsrc.ROM):
    """build/system/NAME.bochsrc as Kestrel writes it, optionally without the sound line."""
    log = os.path.join(OUT, f"{name}.bochs.log")
    serial = os.path.join(OUT, f"{name}.serial.txt")
    for f in (log, serial):
        if os.path.exists(f):
            os.unlink(f)
    text = bochsrc.config(iso, log, f"com1: enabled=1, mode=file, dev={serial}")
    assert SOUND_LINE in text, "the generator must always write the sound line"
    if not sound:
        text = text.replace(SOUND_LINE, "")
    text = text.replace(bochsrc.ROM, rom)
    rc = os.path.join(OUT, f"{name}.bochsrc")
    cont = bochsrc.write(rc, text)
    return rc, cont, serial


def preflight(rc, env):
    return subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "bochsrc.py"), "check", "--config", rc],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def test_without_the_sound_line_bochs_aborts(iso, soundless_env):
    rc, cont, serial = write_config("headless-nosound", iso, sound=False)
    try:
        r = subprocess.run(["bochs", "-q", "-f", rc, "-rc", cont], stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, env=soundless_env, cwd=OUT, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.skip(NO_ABORT)
    output = r.stdout + r.stderr
    if r.returncode != -signal.SIGABRT and "Kestrel" in read_log(serial):
        pytest.skip(NO_ABORT)
    assert r.returncode == -signal.SIGABRT, output[-2000:]
    assert ABORT in output
    assert "ALSA lib" in output
    assert read_log(serial) == "", "Bochs aborted before its first instruction: nothing reached COM1"


def test_kestrels_configuration_boots_without_a_sound_card(iso, soundless_env):
    run = run_bochs(iso, name="headless-dummy", env=soundless_env, timeout=120)
    run.expect("Kestrel 0.1.0: an x86-64 microhypervisor", "[hello] Hello from real mode")
    if "libbx_sounddummy" not in run.log or "libbx_soundalsa" in run.log:
        run.fail("Bochs should load its dummy sound driver and not ALSA's")
    if "Bochs said:" in run.log:
        run.fail("a powered-off run is not an abort")


def test_preflight_passes_with_the_generated_configuration(iso, soundless_env):
    rc = os.path.join(OUT, "headless-check.bochsrc")
    log = os.path.join(OUT, "headless-check.bochs.log")
    # The command line make run uses to write its configuration.
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "bochsrc.py"), "write", "--iso", iso,
                    "--out", rc, "--com1-file", os.path.join(OUT, "headless-check.serial.txt"), "--log", log],
                   check=True, env=soundless_env)
    r = preflight(rc, soundless_env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Bochs starts headless" in r.stdout


def test_preflight_names_the_sound_abort_and_its_cause(iso, soundless_env):
    rc, _, _ = write_config("headless-nosound-check", iso, sound=False)
    r = preflight(rc, soundless_env)
    if r.returncode == 0:
        pytest.skip(NO_ABORT)
    assert r.returncode == 1
    assert f"Bochs said: {ABORT}" in r.stderr, r.stderr
    assert "SIGABRT" in r.stderr
    assert "sound card" in r.stderr and "`sound: driver=dummy`" in r.stderr, r.stderr


def test_preflight_names_a_missing_bios(iso, soundless_env):
    rc, _, _ = write_config("headless-norom", iso, rom="/nonexistent/BIOS-bochs-latest")
    r = preflight(rc, soundless_env)
    assert r.returncode == 1
    assert "Bochs said: [MEM0  ] ROM: couldn't open ROM image file '/nonexistent/BIOS-bochs-latest'" in r.stderr, \
        r.stderr
    assert "install bochsbios" in r.stderr, r.stderr


def test_scripts_bochsrc_is_the_only_writer_of_bochs_configurations():
    writers = []
    for top, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in ("build", "__pycache__")]
        for f in files:
            path = os.path.join(top, f)
            if f.endswith(".md"):
                continue
            try:
                text = open(path, errors="replace").read()
            except OSError:
                continue
            if re.search(r"^display_library:", text, re.M):
                writers.append(os.path.relpath(path, ROOT))
    assert writers == [os.path.join("scripts", "bochsrc.py")]
