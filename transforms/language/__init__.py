"""Language: Norwegian or not, bokmål or nynorsk; the shipped model, spelling cues, the feed as prior."""
