from workflow import passwords


def test_timing_equalizer_hash_uses_the_current_parameters():
    # Verifying it must cost what verifying a real user's hash costs.
    assert not passwords._hasher.check_needs_rehash(passwords._DUMMY)


def test_timing_equalizer_hash_is_a_valid_hash():
    assert passwords._hasher.verify(passwords._DUMMY, "soglasie-timing-equalizer")


def test_unknown_user_never_matches():
    assert passwords.verify(None, "soglasie-timing-equalizer") == (False, False)
