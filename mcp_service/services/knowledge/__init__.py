"""Knowledge use cases: collections, ingestion (inputs, pipeline, durable jobs), search."""
