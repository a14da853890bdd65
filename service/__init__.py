"""trustd: the FastAPI service.

One OpenMP thread per calling thread, set before faiss, OpenCV or torch load their runtimes:
the server already runs requests in parallel (worker processes, a thread per request), and
OpenMP pools per request thread oversubscribe the cores and spin while idle — measured as
2-5 s stalls of sequential requests while a background keypoint search ran. An operator can
still override it in the environment.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
