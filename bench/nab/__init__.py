"""NAB-style benchmark of Warden's volume-spike detector on the realTweets series."""
