#!/usr/bin/env python3
"""A detector that burns CPU in a child it waits for, then in itself, until
SIGTERM; after each burst and at exit it writes the CPU time it used so far
(own + waited children, from os.times) to stderr, so a test can compare the
harness's figure with the last one."""
import os, signal, sys, time

def burn(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass

def report():
    t = os.times()
    sys.stderr.write("burndet cpu_s %.3f\n" % (t.user + t.system + t.children_user + t.children_system))
    sys.stderr.flush()

def stop(*_):
    report()
    os._exit(0)

signal.signal(signal.SIGTERM, stop)
print('{"ts":%f,"detector":"burn","technique":"other","info":{"version":"burndet 1"}}' % time.time(), flush=True)
pid = os.fork()
if pid == 0:
    burn(0.2)
    os._exit(0)
os.waitpid(pid, 0)
while True:
    burn(0.05)
    report()
    time.sleep(0.05)
