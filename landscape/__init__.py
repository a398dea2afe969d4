"""landscape: exact maps of the loss landscape of deep linear neural networks.

A network ``W_h ... W_1`` trained on a square loss is a block-shift adjacency matrix ``A``
with ``L(A) = 1/2 ||E - A^h||^2`` (Wendin & Altafini, SIAM Review 2025). The library computes
its spectrum, exact derivatives, gradient flow, critical points, their second-order type,
saddle connections and the frustration of its signed graph.
"""

from .adjacency import adjacency_gradient, adjacency_invariants, adjacency_loss
from .data import DATASETS, DataSpectrum
from .flow import (FlowError, FlowResult, FlowStatus, Plateau, gradient_flow, one_mode_time,
                   one_mode_weight, plateaus)
from .model import Landscape

__version__ = "0.1.0"

__all__ = [
    "DATASETS",
    "DataSpectrum",
    "FlowError",
    "FlowResult",
    "FlowStatus",
    "Landscape",
    "Plateau",
    "adjacency_gradient",
    "adjacency_invariants",
    "adjacency_loss",
    "gradient_flow",
    "one_mode_time",
    "one_mode_weight",
    "plateaus",
]
