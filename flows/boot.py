"""What the workers' fork server imports (flows/stream.py), never the cycle's process: the worker module, and
MinHash with its permutations made, so that each forked worker starts with them."""

import flows.work  # noqa: F401 (imported to be inherited by the forked workers)
from dedup.minhash import warm

warm()
