"""Keys, signatures, hashes, encryption envelopes and the keystore of solnet.

Everything here is pure except the keystore file. Keys are typed objects; bytes appear only
at the edges (`bytes(key)`, `from_bytes`). Failures raise one exception type per meaning
(see `crypto.errors`); nothing returns a boolean to forget to check.
"""
