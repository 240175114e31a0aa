"""Pure text rules with no dependencies: sentences and tokens, lay words, reference words, negation cues, citation markers."""
