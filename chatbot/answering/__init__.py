"""The answer: its data types, the extractive composer, quoting rules, verification, conversation and presentation."""
