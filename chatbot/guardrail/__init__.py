"""The guardrail: urgent, medical, out_of_scope or general, with the reason and the rule, in English and other languages."""
