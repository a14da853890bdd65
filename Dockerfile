# syntax=docker/dockerfile:1.7
# Multi-stage: dependencies are built in a full image, the runtime image is slim and non-root.
# PyPI's torch wheel is the CUDA build (several GB); pass a CPU wheel index to slim the image:
#   docker build --build-arg TORCH_INDEX_URL=<your CPU wheel index> -t trustd .
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
ARG TORCH_INDEX_URL=""
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first, so code changes don't rebuild this layer.
COPY pyproject.toml README.md ./
RUN python - <<'PY' > /tmp/requirements.txt
import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))
PY
RUN if [ -n "$TORCH_INDEX_URL" ]; then \
      pip install --extra-index-url "$TORCH_INDEX_URL" -r /tmp/requirements.txt; \
    else \
      pip install -r /tmp/requirements.txt; \
    fi
COPY service ./service
COPY models ./models
COPY training ./training
COPY datasets ./datasets
RUN pip install --no-deps .

FROM python:${PYTHON_VERSION}-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONSAFEPATH=1 \
    OMP_NUM_THREADS=1 \
    TRUST_ENV=prod \
    TRUST_VAR_DIR=/data \
    TRUST_DATABASE_URL=sqlite:////data/trustd.db
RUN groupadd --system trustd && useradd --system --gid trustd --home-dir /app trustd \
 && mkdir -p /app /data && chown trustd:trustd /app /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER trustd
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=2).status == 200 else 1)"]
# `trustd serve` applies pending migrations, then starts the server.
CMD ["trustd", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
