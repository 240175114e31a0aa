"""Which language a question is in, the messages in each supported language, and the multilingual glossary."""
