"""Word lists and templates of the sample generator (``pipeline.samples``).

Kept apart so the generator's logic stays readable; every word here is
invented or generic, never taken from real paper titles.
"""

from __future__ import annotations

import re

def _table(text: str) -> dict[str, str]:
    """Parse ``key = value`` lines; a line starting with ``|`` continues the previous value."""
    flat = re.sub(r"\n\s*\|", "|", text.strip())
    return dict(line.strip().split(" = ", 1) for line in flat.splitlines())


# topic_id = title phrases / plural noun phrases for abstract sentences
TOPICS: dict[str, tuple[list[str], ...]] = {k: tuple(part.split("|") for part in v.split(" / ")) for k, v in _table("""
    state_space_models = State Space Models|Mamba Models|Selective SSMs / state space models|Mamba models
      |selective SSM layers
    graph_neural_networks = Graph Neural Networks|GNNs|Message Passing Networks / graph neural networks|GNNs
      |message passing networks
    generative_diffusion = Diffusion Models|Latent Diffusion Models / diffusion models|denoising diffusion models
    reinforcement_learning = Reinforcement Learning / reinforcement learning agents|policy gradient methods
    large_language_models = Large Language Models|LLM Agents / large language models|instruction-tuned LLMs
    vision = Vision Transformers|Object Detection / vision transformers|object detection models
    speech_audio = Speech Recognition|Text-to-Speech / speech recognition systems|text-to-speech models
    continual_learning = Continual Learning|Catastrophic Forgetting / continual learning methods|lifelong learners
    robustness_adversarial = Adversarial Robustness|Adversarial Examples / adversarial examples
    retrieval_search = Retrieval-Augmented Generation|Dense Retrieval / dense retrieval models
    spiking_neuromorphic = Spiking Neural Networks / spiking neural networks|neuromorphic processors
    neural_architecture_search = Neural Architecture Search / neural architecture search methods
    efficiency_compression = Quantization|Structured Pruning / pruning methods|post-training quantization schemes
    interpretability = Mechanistic Interpretability|Saliency Maps / mechanistic interpretability tools
    in_context_learning = In-Context Learning / in-context learning abilities
    recurrent_networks = Recurrent Neural Networks|LSTM Networks / recurrent neural networks|LSTM networks
    optimization_theory = Stochastic Gradient Descent|Adaptive Optimizers / adaptive optimizers
    representation_learning = Contrastive Learning / self-supervised encoders|contrastive learning objectives
    neuro_symbolic = Neuro-Symbolic Reasoning|Program Synthesis / neuro-symbolic reasoners
    transformers_attention = Self-Attention|Sparse Attention / self-attention layers|sparse attention mechanisms
""").items()}

# Title vocabulary (free of every topic keyword), invented names, and abstract sentence slots.
WORDS = {k: v.split("|") for k, v in _table("""
    theme = Tabular Data|Causal Discovery|Time Series Forecasting|Recommender Systems|Anomaly Detection
      |Federated Learning|Active Learning|Algorithmic Fairness|Protein Design|Survival Analysis|Label Noise
    adj = Scalable|Calibrated|Stable|Adaptive|Lightweight|Modular|Hierarchical|Unified|Faithful
      |Multi-Scale|Bayesian|Compositional|Decentralized|Fast|Simple|Principled|Conditional|Open-Ended
    task = Long Documents|Weather Data|Molecular Property Prediction|Tabular Classification|Clinical Notes
      |Traffic Forecasting|Sensor Streams|Scientific Text|Financial Time Series|Edge Devices
      |Low-Resource Settings|Protein Sequences|Climate Simulation|Power Grids|Legal Documents
    tech = Learned Priors|Curriculum Sampling|Orthogonal Updates|Temperature Scaling
      |Local Updates|Latent Variables|Stochastic Rounding|Kernel Smoothing|Random Features
      |Importance Weighting|Dual Averaging|Spectral Normalization|Weight Averaging
    quality = Stability|Calibration|Scaling Behavior|Limits|Failure Modes|Generalization
    gerund = Scaling|Calibrating|Stabilizing|Rethinking|Simplifying|Revisiting|Benchmarking|Unifying
    syl = ka|lo|ve|ri|no|ta|mi|zu|de|pa|xo|fe|qui|bor|len|dar|vi|ru|tel|nor|ky|quo|zen|har|wil|ob|ex|ul
    suffix = |Net|Lite|Bench|Flow|-X|Kit|++
    org = nimbus-ai Nimbus AI|quillwork Quillwork Labs|orchard-ml Orchard ML|tidepool Tidepool Research
      |lumenlab Lumen Lab|northwind-ai Northwind AI|MapleAI Maple AI|fernbank Fernbank Institute
    verb = introduce|propose|present|develop|describe
    obj = a simple training recipe|a modular framework|a lightweight estimator|a principled objective
      |a two-stage procedure|a data selection strategy|a calibration step|an evaluation protocol
    improves = consistently improves|substantially raises|reliably boosts|markedly increases
    metric = accuracy|calibration|stability|worst-case accuracy|generalization|held-out accuracy|throughput
    suite = benchmarks|public datasets|held-out tasks|real-world datasets|standard suites
    limit = rely on costly manual tuning|scale poorly with the number of samples|ignore the structure of the data
      |degrade sharply when test data differ from training data|require labels that are expensive to collect
    finding = simple baselines remain surprisingly competitive|most of the gain comes from better data
      |performance saturates beyond a moderate budget|careful normalization matters more than model size
      |errors concentrate on a small set of hard examples
    resource = extra labels|additional hyperparameters|external data|specialized hardware
    budget = training budget|parameters|labeled examples|wall-clock time
    factor = dataset size|model width|training length|label noise|the number of tasks
    rivals = tuned baselines|larger models|ensembles of strong models
    frac = half|a third|a quarter
    setting = long documents|weather data|clinical notes|sensor streams|scientific text|low-resource settings
""").items()}
TITLE_TEMPLATES = (  # most carry an invented name, so even 100,000s of papers rarely collide
    "{n}: {a} {p} for {t}", "{a} {p} with {m} for {t}", "{n}: Towards {a} {p} for {t}",
    "On the {q} of {a} {p} under {m}", "{n}: {g} {p} via {m}", "{n}: Why {p} {v} a Strong Baseline for {t}",
    "{m} & {m2} in {a} {p}", "{n}: {p} at Scale with {m}", "{g} {p}: Lessons from {n} on {t}",
    "{n}: When {p} {v} Enough for {t}", "{d} {a} {p} Need {m}? Evidence from {t}",
)
GENERIC_SENTENCES = (
    "We {verb} {obj} that {improves} {metric} on {k} {suite}.", "Existing approaches {limit}.",
    "Our analysis shows that {finding}.", "These results suggest that {finding}.",
    "Experiments on {k} {suite} show gains of {p} points over strong baselines.",
    "The method requires no {resource} and adds less than {p} percent overhead.",
    "We release code, trained checkpoints and evaluation scripts to support future work.",
    "A simple argument explains why {finding}.",
    "Ablations confirm that each component contributes to the final result.",
    "We further study how performance changes with {factor} and report the trends we observe.",
    "Across {k} settings, the proposed approach matches or exceeds {rivals} while using {frac} of the {budget}.",
    "To this end, we {verb} {obj} and evaluate it under a common protocol.",
)
TOPIC_SENTENCES = (
    "{Kw} are increasingly used in practice, yet their behavior on {setting} remains poorly understood.",
    "We study {kw} and show that {finding}.",
    "This paper revisits {kw} from a practical angle and identifies where they break down.",
    "Our method builds on {kw} and extends them to {setting}.",
    "We compare against recent {kw} and report consistent gains.",
    "A central difficulty with {kw} is the cost of tuning them for new domains.",
)
