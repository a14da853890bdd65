"""Banks domain: known-counterfeit photo banks, enrolled from moderators' decisions,
looked up while listings are scored, shared between platforms that opt in, exchanged as
hash lists."""
