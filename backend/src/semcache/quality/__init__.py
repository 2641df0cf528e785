"""Cache quality: verification of candidates, evaluation on labelled pairs, threshold calibration."""
