#!/usr/bin/env python3
"""A benign near-miss for steady-CPU detectors: a scientific batch job that
holds a steady CPU share for as long as it runs, the way a simulation on a
shared host does. Each worker process integrates a damped oscillator
ensemble with a fourth-order Runge-Kutta step, in plain Python, at nice 10,
and reports its energy drift at the end. No network, no files.

    science.py [--seconds N] [--workers K]
"""
import argparse
import math
import multiprocessing
import os
import time


def rk4_ensemble(seconds, seed):
    os.nice(10)
    n, dt, steps = 64, 1e-3, 0
    xs = [math.sin(seed + i) for i in range(n)]
    vs = [0.0] * n
    k, c = 4.0, 0.01

    def acc(x, v):
        return -k * x - c * v

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for _ in range(200):
            for i in range(n):
                x, v = xs[i], vs[i]
                k1x, k1v = v, acc(x, v)
                k2x, k2v = v + 0.5 * dt * k1v, acc(x + 0.5 * dt * k1x, v + 0.5 * dt * k1v)
                k3x, k3v = v + 0.5 * dt * k2v, acc(x + 0.5 * dt * k2x, v + 0.5 * dt * k2v)
                k4x, k4v = v + dt * k3v, acc(x + dt * k3x, v + dt * k3v)
                xs[i] = x + dt / 6 * (k1x + 2 * k2x + 2 * k3x + k4x)
                vs[i] = v + dt / 6 * (k1v + 2 * k2v + 2 * k3v + k4v)
            steps += 1
    return steps, sum(0.5 * v * v + 0.5 * k * x * x for x, v in zip(xs, vs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    with multiprocessing.Pool(a.workers) as pool:
        res = pool.starmap(rk4_ensemble, [(a.seconds, s) for s in range(a.workers)])
    print("science: %d steps, energy %s" % (sum(r[0] for r in res),
                                            " ".join("%.4f" % r[1] for r in res)))


if __name__ == "__main__":
    main()
