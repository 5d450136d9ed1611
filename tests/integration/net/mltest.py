"""Small helpers shared by the network integration tests (python3 only)."""
import sys


def fail(msg):
    """Prints a failure line and exits non-zero."""
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def ok(msg):
    print("ok:", msg, flush=True)
