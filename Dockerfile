# briefing as a container: `briefing schedule` by default, running as an unprivileged user.
#
#   docker build -t briefing .
#   docker run -d --name briefing --restart unless-stopped \
#     -v "$PWD/feeds.yaml:/srv/briefing/feeds.yaml:ro" \
#     -v briefing-state:/srv/briefing/state -v "$PWD/outputs:/srv/briefing/outputs" \
#     --env-file briefing.env briefing
#
# feeds.yaml's default `database: state/briefing.sqlite` and `outputs: outputs` are relative to the config's
# folder, /srv/briefing, so they land in the two volumes. Any other command: `docker run ... briefing run-due`.
# More in docs/deployment.md.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY templates/ templates/
COPY briefing/ briefing/
# tzdata: zoneinfo's fallback, so IANA time zones work whatever the base image carries.
RUN pip wheel --no-cache-dir --wheel-dir /wheels . tzdata

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BRIEFING_CONFIG=/srv/briefing/feeds.yaml
COPY --from=build /wheels /wheels
# wordnet-base: the grounding check's antonym rule and the sentence rules' person nouns (docs/bullets.md).
RUN apt-get update && apt-get install -y --no-install-recommends wordnet-base && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir --no-index --find-links /wheels briefing tzdata \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --user-group --home-dir /srv/briefing --shell /usr/sbin/nologin briefing \
    && mkdir -p /srv/briefing/state /srv/briefing/outputs \
    && chown -R briefing:briefing /srv/briefing
WORKDIR /srv/briefing
USER briefing
VOLUME ["/srv/briefing/state", "/srv/briefing/outputs"]
# `docker stop` sends SIGTERM: briefing finishes the current step, then exits 0 (allow it --stop-timeout).
STOPSIGNAL SIGTERM
ENTRYPOINT ["briefing"]
CMD ["schedule"]
