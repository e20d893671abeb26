"""评分表 and 自评表 scoring: exact scores, grades and reasons at the edges of each rule."""
