"""What the optimizer made of each variant: deterministic counts, no timing noise.

Nodes in the optimized graph, and elementwise loops after fusion (Elemwise nodes;
a fused Composite is one loop), for the forward and the gradient function,
float64, C linker's optimizer (fast_run). The PR check runs all of these.
"""

from .common import DTYPE, FUNCTIONS, LINKER, VARIANT_NAMES, Deterministic, backend, compile_function


class Graph(Deterministic):
    params = (VARIANT_NAMES, FUNCTIONS)
    param_names = ["variant", "function"]

    def setup(self, variant, function):
        f = compile_function(variant, DTYPE, function, LINKER)
        elemwise = backend().tensor.elemwise.Elemwise
        nodes = f.maker.fgraph.toposort()
        self.nodes = len(nodes)
        self.loops = sum(isinstance(node.op, elemwise) for node in nodes)

    def track_nodes(self, variant, function):
        """How many Apply nodes remain in the optimized graph? (1000x1000-independent; float64.)"""
        return self.nodes

    track_nodes.unit = "nodes"

    def track_loops(self, variant, function):
        """How many elementwise loops (Elemwise nodes, fused Composites count once) run per call?"""
        return self.loops

    track_loops.unit = "loops"
