"""smartnoise-synth's MST on a CSV, for benchmarks/privacy.py: run with the Python of its OWN virtual
environment (it pins opacus 0.14, which ganforge's environment must not get):

    python3 -m venv /tmp/snvenv && /tmp/snvenv/bin/pip install smartnoise-synth
    /tmp/snvenv/bin/python benchmarks/privacy_mst.py train.csv out.csv --epsilon 3 --seed 0 --continuous a,b

The continuous columns are binned by smartnoise's preprocessor with 10% of epsilon (deducted from it).
"""

import argparse
import time

import numpy as np
import pandas as pd


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("data")
    p.add_argument("out")
    p.add_argument("--epsilon", type=float, required=True)
    p.add_argument("--delta", type=float, default=1e-9)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--continuous", default="")
    p.add_argument("--rows", type=int, default=None)
    a = p.parse_args()
    np.random.seed(a.seed)
    from snsynth import Synthesizer

    df = pd.read_csv(a.data)
    cont = [c for c in a.continuous.split(",") if c]
    cats = [c for c in df.columns if c not in cont]
    df[cats] = df[cats].astype(str)
    t = time.perf_counter()
    synth = Synthesizer.create("mst", epsilon=a.epsilon, delta=a.delta, verbose=False)
    synth.fit(df, categorical_columns=cats, continuous_columns=cont, preprocessor_eps=0.1 * a.epsilon,
              nullable=False)
    out = synth.sample(a.rows or len(df))
    out.to_csv(a.out, index=False)
    print(f"fit_s={time.perf_counter() - t:.3f}")


if __name__ == "__main__":
    main()
