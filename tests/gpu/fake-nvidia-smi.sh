#!/bin/sh
# A stand-in for nvidia-smi in the gpu-util detector's tests: answers the two
# queries the detector makes from FAKE_GPU_UTIL (percent), FAKE_GPU_POWER (W),
# FAKE_GPU_PID and FAKE_GPU_MEM (MiB; no process line when FAKE_GPU_PID is
# empty). FAKE_GPU_FAIL=1 behaves like nvidia-smi without a driver.
if [ "${FAKE_GPU_FAIL:-0}" = 1 ]; then
    echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." >&2
    exit 9
fi
case "$1" in
--query-gpu=*)
    echo "${FAKE_GPU_UTIL:-95} %, ${FAKE_GPU_POWER:-312.40} W" ;;
--query-compute-apps=*)
    [ -n "${FAKE_GPU_PID:-}" ] && echo "${FAKE_GPU_PID}, ${FAKE_GPU_MEM:-2300} MiB" ;;
*)
    echo "fake-nvidia-smi: unexpected arguments: $*" >&2; exit 2 ;;
esac
exit 0
