"""Times pandas.read_csv on FILE (median of RUNS), the reference the Swift
reader is compared with. Prints `pandas_seconds=...` and the row count."""
import statistics
import sys
import time

import pandas as pd

path = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
times = []
cpu = []
frame = None
for _ in range(runs):
    frame = None
    t = time.perf_counter()
    c = time.process_time()
    frame = pd.read_csv(path)
    times.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
    print(f"  {times[-1]:.3f} s wall, {cpu[-1]:.3f} s cpu", file=sys.stderr)
print(f"pandas_rows={len(frame)}")
print(f"pandas_version={pd.__version__}")
print(f"pandas_seconds={statistics.median(times):.3f}")
print(f"pandas_cpu_seconds={statistics.median(cpu):.3f}")
