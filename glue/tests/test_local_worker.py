"""The local Spark worker's protocol stays parseable whatever else writes to descriptor 1: the
JVM inherits it and prints its own warnings there (a GC warning ended a 1.1 GB bench run: the
engine read it as a protocol line)."""

import subprocess
import sys
from pathlib import Path

GLUE = Path(__file__).resolve().parents[1]


def test_what_the_jvm_prints_on_descriptor_1_goes_to_stderr_and_the_protocol_keeps_stdout():
    # Prepare: the worker's channel, then a child process (as the JVM is) and the runner writing to descriptor 1
    script = (
        "import os, subprocess, sys\n"
        "import local_worker\n"
        "protocol = local_worker.protocol_channel()\n"
        "subprocess.run(['sh', '-c', 'echo \"[118.8s][warning][gc,alloc] Retried waiting for GCLocker\"'], check=True)\n"
        "os.write(1, b'native noise\\n')\n"
        "print('a print of the runner')\n"
        "protocol.write('{\"ready\": true}\\n')\n"
        "protocol.flush()\n"
    )

    # Act
    result = subprocess.run([sys.executable, "-c", script], cwd=GLUE, capture_output=True, text=True, timeout=60, check=True)

    # Assess: stdout holds the protocol line alone, the rest is on stderr
    assert result.stdout == '{"ready": true}\n'
    assert "GCLocker" in result.stderr and "native noise" in result.stderr and "a print of the runner" in result.stderr
