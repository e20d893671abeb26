"""A bureau's reporting season after the batch: the accepted submissions added up (汇总), level by level."""
