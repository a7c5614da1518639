"""The embedding model: passages and questions to normalized vectors (see ``embedder``)."""

from qa.embedding.embedder import Embedder, e5_folder, resolve_model_path

__all__ = ["Embedder", "e5_folder", "resolve_model_path"]
