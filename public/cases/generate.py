#!/usr/bin/env python3
"""Writes the example subnets bundled with the web lab (public/cases/*.json and index.json).

Deterministic: a fixed seed per case and Python's own Mersenne Twister, so running it again
rewrites byte-identical files (`python3 public/cases/generate.py`, no arguments). Stdlib only.
The cases are made up: plausible shapes (lognormal stakes, sparse weights, stale validators),
not copies of any real subnet.
"""

import json
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
RAO = 1_000_000_000  # rao per alpha
U16 = 65535
# subtensor's runtime default TaoWeight (runtime/src/lib.rs, SubtensorInitialTaoWeight).
TAO_WEIGHT = 971_718_665_099_567_868


def max_upscale(values):
    """u16 weights as validators send them: the largest becomes 65535 (set_weights does this)."""
    top = max(values)
    if top <= 0:
        return [0 for _ in values]
    return [int(round(v / top * U16)) for v in values]


def noisy(rng, base, spread):
    return [max(0.0, q * math.exp(rng.gauss(0.0, spread))) for q in base]


def small_honest():
    rng = random.Random(1)
    quality = [0.30, 0.22, 0.18, 0.14, 0.10, 0.06]
    weights = [max_upscale(noisy(rng, quality, 0.08)) for _ in range(4)]
    return {
        "name": "Small honest subnet",
        "description": "4 validators and 6 miners who broadly agree: consensus follows the "
        "stake-weighted median, nothing is clipped much.",
        "layout": "vm",
        "weights": weights,
        "stakes": [s * RAO for s in (400_000, 300_000, 200_000, 100_000)],
    }


def outlier_clipping():
    rng = random.Random(2)
    quality = [0.24, 0.20, 0.17, 0.14, 0.11, 0.08, 0.06, 0.0]
    honest = [max_upscale(noisy(rng, quality, 0.10)) for _ in range(4)]
    # Validator 4 (8% of stake) pushes miner uid 12 far above what anyone else gives it.
    outlier = [int(w * 0.05) for w in honest[0][:7]] + [U16]
    return {
        "name": "Outlier validator (clipping)",
        "description": "Validator uid 4 holds 8% of the stake and gives miner uid 12 its full "
        "weight while the others give it none. With kappa at 0.5 the weight is clipped to "
        "consensus and uid 12 earns nothing; lower kappa below the outlier's stake and it "
        "gets through.",
        "layout": "vm",
        "weights": honest + [outlier],
        "stakes": [s * RAO for s in (300_000, 250_000, 220_000, 150_000, 80_000)],
        "kappa": 32767,
    }


def yuma3_liquid_alpha():
    rng = random.Random(3)
    v, m = 4, 8
    n = v + m
    quality = [0.20, 0.18, 0.15, 0.13, 0.11, 0.09, 0.08, 0.06]
    weights = [max_upscale(noisy(rng, quality, 0.12)) for _ in range(v)]
    # Validator 3 found miner uid 11 early: it weighs it heavily, the others barely.
    weights[3][m - 1] = U16
    for i in range(3):
        weights[i][m - 1] = int(weights[i][m - 1] * 0.3)
    # Bonds from earlier epochs: older opinions, validator 3 already bonded to uid 11.
    bonds = []
    for i in range(n):
        if i >= v:
            bonds.append([])
            continue
        row = []
        for j in range(m):
            b = int(weights[i][j] * rng.uniform(0.4, 0.9))
            if j == m - 1:
                b = 40000 if i == 3 else 2000
            if b:
                row.append([v + j, b])
        bonds.append(row)
    return {
        "name": "Yuma3 with liquid alpha",
        "description": "4 validators with bonds from earlier epochs, Yuma3 bonds and liquid "
        "alpha (per-bond EMA rate between alpha_low and alpha_high by how far a weight sits "
        "from consensus). Validator uid 3 backed miner uid 11 before the others.",
        "layout": "vm",
        "weights": weights,
        "stakes": [s * RAO for s in (350_000, 300_000, 200_000, 150_000)],
        "bonds_sparse": bonds,
        "yuma3": True,
        "liquid_alpha": True,
        "alpha_low": 0.7,
        "alpha_high": 0.9,
        "bonds_moving_average": 975000,
    }


def subnet_256():
    rng = random.Random(256)
    n, n_val = 256, 64
    current_block = 6_000_000
    tempo = 360
    validators = sorted(rng.sample(range(n), n_val))
    is_val = [False] * n
    for u in validators:
        is_val[u] = True
    miners = [u for u in range(n) if not is_val[u]]

    alpha = [0] * n
    tao = [0] * n
    for u in validators:
        alpha[u] = int(max(2_000.0, rng.lognormvariate(math.log(40_000), 1.0)) * RAO)
        if rng.random() < 0.5:
            tao[u] = int(rng.lognormvariate(math.log(5_000), 1.2) * RAO)
    for u in miners:
        if rng.random() < 0.3:
            alpha[u] = int(rng.uniform(1.0, 500.0) * RAO)

    block_at_registration = [current_block - rng.randint(10_000, 2_000_000) for _ in range(n)]
    # Ten miners registered in the last tempo: weights set before that are outdated for them.
    fresh = rng.sample(miners, 10)
    for u in fresh:
        block_at_registration[u] = current_block - rng.randint(20, 300)

    quality = {u: rng.lognormvariate(0.0, 0.9) for u in miners}
    for u in rng.sample(miners, 24):  # offline miners: nobody rates them
        quality[u] = 0.0

    last_update = [block_at_registration[u] + 1 for u in range(n)]  # miners never set weights
    weights = [[] for _ in range(n)]
    bonds = [[] for _ in range(n)]
    silent = set(rng.sample(validators, 3))  # permit holders that never set weights
    stale = set(rng.sample([u for u in validators if u not in silent], 6))
    for u in validators:
        if u in silent:
            continue
        if u in stale:
            last_update[u] = current_block - rng.randint(6_000, 20_000)  # past activity_cutoff
        else:
            last_update[u] = current_block - rng.randint(0, 2 * tempo)
        # Each validator scores every miner with its own noise and keeps its top k.
        scores = {j: quality[j] * math.exp(rng.gauss(0.0, 0.35)) for j in miners}
        k = rng.randint(32, 128)
        picked = sorted(sorted(miners, key=lambda j: -scores[j])[:k])
        ws = max_upscale([scores[j] for j in picked])
        weights[u] = [[j, w] for j, w in zip(picked, ws) if w > 0]
        bonds[u] = [[j, int(w * rng.uniform(0.5, 0.9))] for j, w in weights[u] if w > 1]

    return {
        "name": "Realistic 256-uid subnet",
        "description": "64 validators with lognormal stakes (half also hold root TAO), 192 "
        "miners with sparse weights and bonds; 3 validators never set weights, 6 are past the "
        "activity cutoff, 10 miners registered after some validators last set weights, 24 "
        "miners are offline.",
        "layout": "full",
        "weights_sparse": weights,
        "bonds_sparse": bonds,
        "stakes": alpha,
        "tao_stakes": tao,
        "tao_weight": TAO_WEIGHT,
        "max_allowed_validators": 64,
        "current_block": current_block,
        "last_update": last_update,
        "block_at_registration": block_at_registration,
        "last_tempo": current_block - tempo - 1,
        "tempo": tempo,
        "activity_cutoff": 5000,
    }


CASES = [
    ("small-honest", small_honest, "小さな誠実なサブネット",
     "4 validators, 6 miners in broad agreement.",
     "バリデータ4、マイナー6。評価はおおむね一致。"),
    ("outlier-clipping", outlier_clipping, "外れ値バリデータ(クリッピング)",
     "One validator pushes a miner far above consensus; kappa decides whether it is clipped.",
     "1つのバリデータが合意を大きく超える重みを付ける。kappa 次第でクリップされる。"),
    ("yuma3-liquid-alpha", yuma3_liquid_alpha, "Yuma3 + リキッドアルファ",
     "Yuma3 bonds with liquid alpha and bonds from earlier epochs.",
     "前エポックのボンドを持つ Yuma3 とリキッドアルファ。"),
    ("subnet-256", subnet_256, "現実的な256 UIDサブネット",
     "64 validators, 192 miners, sparse weights, stale and silent validators.",
     "バリデータ64、マイナー192。疎な重み、古い更新や未設定のバリデータを含む。"),
]


def main():
    index = []
    for case_id, build, name_ja, summary_en, summary_ja in CASES:
        case = build()
        file = f"{case_id}.json"
        with open(os.path.join(HERE, file), "w", encoding="utf-8") as f:
            json.dump(case, f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")
        index.append({
            "id": case_id,
            "file": file,
            "name": {"en": case["name"], "ja": name_ja},
            "summary": {"en": summary_en, "ja": summary_ja},
        })
    with open(os.path.join(HERE, "index.json"), "w", encoding="utf-8") as f:
        json.dump({"cases": index}, f, ensure_ascii=False, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
