"""Speed and memory of fine-tuning and in-context inference.

One split of a mirror dataset (``make_split(y, fold=0, n_train, val_fraction=0.2)``), then:

1. a fine-tuning run of ``--steps`` steps (early stopping off: patience = steps), evaluating every
   ``--eval-every`` steps, after a 1-step run that pays the process's one-time costs (lazy imports
   such as the optimizer's ``torch._dynamo``, first kernel calls; reported as
   ``warmup_1_step_s``); reports wall seconds, CPU seconds of the process (all threads; less
   sensitive than wall time to other load on a shared machine), steps/s (evaluations included)
   and the peak resident memory of the process;
2. zero-shot in-context inference with the real training rows as context on the test fold;
   reports query rows/s.

    CAUSALMIX_DATA_DIR=/work/shared/data/tabarena .venv/bin/python benchmarks/finetune.py \
        [--dataset students_dropout_and_academic_success] [--n-train 512] [--steps 100] \
        [--threads 2] [--device cpu|cuda] [--max-episode-context-rows N] [--mitra-random]

``--mitra-random`` swaps the stand-in for a randomly initialised Tab2D of Mitra's size (width 512,
12 layers, 4 heads, 10 classes): meant for a CUDA GPU, where it measures Mitra-size fine-tuning
steps/s. Timings on a shared machine are noisy; report them with the load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
import warnings

import torch

from causalmix import FineTunedClassifier, TFMClassifier
from causalmix.data import load_dataset
from causalmix.finetune import FineTuneSettings
from causalmix.models.base import resolve_device
from causalmix.splits import make_split


def mitra_random(device: torch.device):
    """A Mitra-size Tab2D with random weights behind the TabularModel protocol."""
    from autogluon.tabular.models.mitra._internal.models.tab2d import Tab2D

    from causalmix.models.mitra import MitraModel

    torch.manual_seed(0)
    network = Tab2D(dim=512, dim_output=10, n_layers=12, n_heads=4, task="CLASSIFICATION",
                    use_pretrained_weights=False, path_to_weights="", device=str(device))
    return MitraModel(network).to(device).eval()


def peak_memory_gb(device: torch.device) -> dict[str, float]:
    peak = {"peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}
    if device.type == "cuda":
        peak["peak_cuda_gb"] = torch.cuda.max_memory_allocated(device) / 2**30
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="students_dropout_and_academic_success")
    parser.add_argument("--n-train", type=int, default=512)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--eval-every", type=int, default=10)
    parser.add_argument("--max-episode-context-rows", type=int, default=FineTuneSettings.max_episode_context_rows)
    parser.add_argument("--max-episode-query-rows", type=int, default=FineTuneSettings.max_episode_query_rows)
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda if available)")
    parser.add_argument("--mitra-random", action="store_true", help="Mitra-size Tab2D, random weights")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    data = load_dataset(args.dataset)
    split = make_split(data.y, fold=0, n_train=args.n_train, val_fraction=0.2, seed=0, name=args.dataset)
    X_train, y_train = data.X.iloc[split.train], data.y.iloc[split.train]
    X_val, y_val = data.X.iloc[split.val], data.y.iloc[split.val]
    X_test = data.X.iloc[split.test]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="No stand-in checkpoint")
        model = mitra_random(device) if args.mitra_random else "default"
        tuned = FineTunedClassifier(model, max_steps=args.steps, eval_every=args.eval_every,
                                    patience=args.steps, device=str(device),
                                    max_episode_context_rows=args.max_episode_context_rows,
                                    max_episode_query_rows=args.max_episode_query_rows)
        # A 1-step run first pays the process's one-time costs (lazy imports such as the
        # optimizer's torch._dynamo, first kernel calls), so the timed run measures fine-tuning.
        start = time.perf_counter()
        tuned.set_params(max_steps=1).fit(X_train, y_train, X_val=X_val, y_val=y_val)
        warmup_s = time.perf_counter() - start
        tuned.set_params(max_steps=args.steps)
        start, cpu_start = time.perf_counter(), time.process_time()
        tuned.fit(X_train, y_train, X_val=X_val, y_val=y_val)
        fit_s, fit_cpu_s = time.perf_counter() - start, time.process_time() - cpu_start
        steps_done = int(tuned.curve_["step"].iloc[-1])

        zero_shot = TFMClassifier(model, device=str(device)).fit(X_train, y_train)
        zero_shot.predict_proba(X_test.iloc[:8])  # warm-up
        start = time.perf_counter()
        zero_shot.predict_proba(X_test)
        predict_s = time.perf_counter() - start

    results = {
        "model": "mitra-random" if args.mitra_random else "stand-in (default)",
        "device": str(device), "threads": args.threads, "dataset": args.dataset,
        "n_train": len(X_train), "n_val": len(X_val), "n_features": data.X.shape[1],
        "n_classes": len(tuned.classes_), "steps": steps_done,
        "max_episode_context_rows": args.max_episode_context_rows,
        "max_episode_query_rows": args.max_episode_query_rows,
        "warmup_1_step_s": round(warmup_s, 2), "fine_tune_s": round(fit_s, 2), "fine_tune_cpu_s": round(fit_cpu_s, 2),
        "steps_per_s": round(steps_done / fit_s, 3),
        "best_step": tuned.best_step_,
        "val_roc_auc_step0": round(float(tuned.curve_["val_roc_auc"].iloc[0]), 4),
        "val_roc_auc_best": round(float(tuned.curve_["val_roc_auc"].max()), 4),
        "inference_rows": len(X_test), "inference_rows_per_s": round(len(X_test) / predict_s, 1),
        **{k: round(v, 3) for k, v in peak_memory_gb(device).items()},
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    for key, value in results.items():
        print(f"{key:26s} {value}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
