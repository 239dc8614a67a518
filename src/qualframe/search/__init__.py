"""Search: text analysis (language detection, Kazakh stemming, tokenisation) and ranking."""
