"""Run the ``flask`` command as ``python -m flask`` does, then write to
stderr how long the process spent from its first line here to the end of
the command: the whole process less the interpreter's start and exit, which
do not depend on the project and are the noisiest part of a short run.
"""

import sys
import time

_start = time.perf_counter()
# As with ``python -m``: the working directory first on the path, not bench/.
sys.path[0] = ""

from flask.cli import main  # noqa: E402

try:
    main()
finally:
    sys.stderr.write(f"\nbench-in-process {time.perf_counter() - _start:.6f}\n")
