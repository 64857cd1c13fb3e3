//! Knowledge-base retrieval: the articles that answer a text, best first.
