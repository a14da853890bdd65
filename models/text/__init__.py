"""Caption text: evasion-resistant normalisation, counterfeit lexicon, caption classifier."""
