"""The ingest stage: files in the corpus folder read, cleaned into blocks with their locations,
and cut into chunks."""
