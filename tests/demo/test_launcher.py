"""`./pacte.sh demo`, run with a stand-in for uv that records what each command is given."""

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FAKE_UV = """#!/bin/sh
case "$*" in
  *"manage.py demo"*) echo "$PACTE_SITE_URL" > "$PACTE_TEST_RECORD" ;;
esac
exit 0
"""


def test_the_demo_story_writes_its_mails_with_the_port_it_is_served_on(tmp_path):
    """The mails the demo's story writes (convocations, opinions asked) link to the address the
    demo is served on: PACTE_SITE_URL is set before the story is written, not after."""
    shutil.copy(ROOT / "pacte.sh", tmp_path / "pacte.sh")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "uv").write_text(FAKE_UV)
    (bin_dir / "uv").chmod(0o755)
    record = tmp_path / "site-url"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PACTE_SITE_URL", "PACTE_HOST", "PACTE_PORT"}
    }
    env.update(
        PATH=f"{bin_dir}:{env.get('PATH', '')}",
        PACTE_PORT="8765",
        PACTE_TSA_URL="http://127.0.0.1:9/",  # no local timestamp authority started
        PACTE_TEST_RECORD=str(record),
    )
    (tmp_path / "var").mkdir()
    subprocess.run(["bash", str(tmp_path / "pacte.sh"), "demo"], env=env, timeout=60, check=True)
    assert record.read_text().strip() == "http://127.0.0.1:8765"
