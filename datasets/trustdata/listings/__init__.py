"""Generated labelled listing set (signals + counterfeit label) for the risk scorer."""
