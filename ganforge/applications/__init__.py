"""Applications built on the GANs: data augmentation and class re-balancing (:mod:`.augment`)."""
