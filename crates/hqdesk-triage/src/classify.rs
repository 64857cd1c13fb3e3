//! The classifier: kind, branch, topic, confidential and abusive, each with a confidence.
