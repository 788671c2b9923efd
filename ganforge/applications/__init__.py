"""Applications built on the GANs: data augmentation and class re-balancing (:mod:`.enlarge`)."""

#: How ``ganforge augment`` makes samples (see :mod:`.augment`); here so the command line can list them without torch.
METHODS = ("cgan", "dagan", "tabular")
