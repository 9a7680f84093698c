"""Dockerfiles: what an image runs (FROM, CMD/ENTRYPOINT, ENV, EXPOSE, COPY/ADD)."""
