"""features: the video side of scriptalign (decoding, shots, face tracks, face and motion descriptors)."""
