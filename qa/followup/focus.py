"""The document a conversation is about: the one its last answer came from.

A follow-up ("什么时候投产？") is most often about the document that answered the turn before
it: its title often names the subject that no question repeats (a person reading "黑龙江省"
asks "它最大的湖泊是？"), and its passages are where the answer most likely is. The service
keeps no conversation state, so the document is found again from the history itself: the last
turn's question and answer are searched lexically, and the first chunk that holds the
answer text names the document and its title. An answer that no chunk holds (edited by the client, or from
another build) finds none.
"""

from __future__ import annotations

from qa.config import Settings
from qa.followup.text import Turn
from qa.records import Chunk
from qa.retrieval import lexical_max_df
from qa.store.index import Index

SEARCHED = 20  # chunks looked through for the answer text


def answered_chunk(index: Index, question: str, answer: str, settings: Settings) -> Chunk | None:
    """The chunk that holds ``answer`` among the best lexical matches of the question and answer
    together, or None. Its ``doc_id`` names the document, its ``title`` the document's title (a
    search returns live chunks only, so the document is in the index)."""
    ids, _ = index.lexical_search(f"{question} {answer}", SEARCHED, max_df=lexical_max_df(index, settings))
    for gid in ids:
        chunk = index.chunk(int(gid))
        if answer in chunk.text:
            return chunk
    return None


def conversation_chunk(index: Index, history: list[Turn], settings: Settings) -> Chunk | None:
    """The chunk the last turn of ``history`` was answered from, if it was answered and the
    chunk is found. Only the last turn's: an earlier answer's document may be what the
    conversation has left (a later question named a subject of its own and found no answer)."""
    last = history[-1] if history else None
    return answered_chunk(index, last.question, last.answer, settings) if last and last.answer else None


def document_text(index: Index, chunk: Chunk | None) -> str:
    """The whole text of ``chunk``'s document ("" for none)."""
    return index.documents[chunk.doc_id].text if chunk is not None and chunk.doc_id in index.documents else ""
