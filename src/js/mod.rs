mod tl;
