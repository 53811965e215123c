#!/usr/bin/perl
# claude-hub PreToolUse guard: keeps an agent's file tools inside its own session root, and
# its Bash commands off other sessions' roots and the hub's state dir.
#
# Claude Code runs this before every Read/Edit/Write/MultiEdit/NotebookEdit/Glob/Grep/LS/Bash
# call and gives it the call as one JSON object on stdin. It answers with nothing (no opinion: the
# normal permission flow goes on) or with a PreToolUse "deny" decision whose reason the model
# sees. It never answers "allow", so it can only ever take permissions away.
#
# Why perl without modules: it runs on every tool call, inside the agent's turn. perl starts in
# ~3 ms here; `use JSON::PP` alone costs ~25 ms more, `use Cwd` ~8 ms, node ~130 ms. So JSON is
# decoded by the small parser below and paths are resolved with lstat/readlink builtins.
#
# Usage: perl guard.pl --root=DIR [--roots-file=FILE] [--state-dir=DIR] [--reads-outside]
#   --root          the agent's own session root (or env CLAUDE_HUB_ROOT)
#   --roots-file    every session's real root, one per line, rewritten atomically by the hub
#                   (or env CLAUDE_HUB_ROOTS_FILE); read on every call, so it is always live
#   --state-dir     the hub's state directory (or env CLAUDE_HUB_STATE_DIR): always denied
#   --reads-outside let Read/Glob/Grep/LS reach outside the own root, except other sessions'
#                   roots and the state dir (writes stay confined to the own root)
# Fails closed: missing or garbled input, or a missing root, denies the call.
#
# Bash is checked by text: a command that names another session's root or the state dir (as
# the roots file spells them) is denied, so a session created after the agent's launch is off
# limits at once. A path the command builds at run time, or reaches through a relative path or
# a symlink, is not seen here; Claude Code's sandbox (fixed at launch) is the fence for those.
use strict;
use warnings;

my $MAX_INPUT = 16 * 1024 * 1024;    # Write calls carry whole files; larger input is refused
my %WRITE_TOOLS = map { $_ => 1 } qw(Edit Write MultiEdit NotebookEdit);
my %READ_TOOLS  = map { $_ => 1 } qw(Read Glob Grep LS);
# Keys whose string values the guard reads; every other string is skipped, not decoded.
my %DECODE = map { $_ => 1 } qw(tool_name cwd transcript_path tool_input file_path notebook_path path pattern command);
my $MASK;    # the input with `\\` and `\"` escapes blanked: its quotes are real delimiters
my %JSON_ESCAPES = ('"' => '"', '\\' => '\\', '/' => '/', b => "\b", f => "\f", n => "\n", r => "\r", t => "\t");

$SIG{ALRM} = sub { deny('the claude-hub guard timed out reading its input') };
alarm 5;

my %opt = (
  root       => $ENV{CLAUDE_HUB_ROOT},
  roots_file => $ENV{CLAUDE_HUB_ROOTS_FILE},
  state_dir  => $ENV{CLAUDE_HUB_STATE_DIR},
  reads_outside => 0,
);
for my $arg (@ARGV) {
  if    ($arg =~ /\A--root=(.*)\z/s)        { $opt{root} = $1 }
  elsif ($arg =~ /\A--roots-file=(.*)\z/s)  { $opt{roots_file} = $1 }
  elsif ($arg =~ /\A--state-dir=(.*)\z/s)   { $opt{state_dir} = $1 }
  elsif ($arg eq '--reads-outside')         { $opt{reads_outside} = 1 }
}

# --- input ------------------------------------------------------------------------------------
binmode STDIN;
my $input = '';
while (1) {
  my $n = sysread(STDIN, $input, 65536, length $input);
  last if !defined $n || $n == 0;
  deny("the tool call is larger than the claude-hub guard accepts (@{[ $MAX_INPUT >> 20 ]} MiB)")
    if length($input) > $MAX_INPUT;
}
alarm 0;

my $call = eval { parse_json($input) };
deny('the claude-hub guard could not read this tool call (malformed input)')
  unless ref $call eq 'HASH';
my $tool = $call->{tool_name};
deny('the claude-hub guard could not read this tool call (no tool_name)') unless defined $tool && !ref $tool && $tool ne '';
exit 0 unless $WRITE_TOOLS{$tool} || $READ_TOOLS{$tool} || $tool eq 'Bash';

my $args = $call->{tool_input};
deny("the claude-hub guard could not read this $tool call (no tool_input)") unless ref $args eq 'HASH';

# --- the boundary -----------------------------------------------------------------------------
deny('this agent has no session root configured (CLAUDE_HUB_ROOT); file tools are disabled')
  unless defined $opt{root} && $opt{root} =~ m{\A/};
my $root = real($opt{root});
deny("this agent's session root $opt{root} does not exist; file tools are disabled")
  unless defined $root && -d $root;

my $cwd = $call->{cwd};
$cwd = undef if ref $cwd || !defined $cwd || $cwd !~ m{\A/};

if ($tool eq 'Bash') {
  my $command = need_string($args->{command}, 'command');
  my (undef, @others) = read_roots($opt{roots_file});
  @others = grep { $_ ne $root } @others;
  my @all = ($root, @others);
  for my $other (@others) {
    # A longer root that begins with this one (`/w/a` and `/w/a b`) is not this one.
    my $text = $command;
    for my $longer (grep { length($_) > length($other) && index($_, $other) == 0 } @all) { $text =~ s/\Q$longer\E//g }
    deny("this command names another claude-hub session's root ($other). "
      . "Agents of this session may only use files under $root.") if names_path($text, $other);
  }
  my $state_dir = defined $opt{state_dir} && $opt{state_dir} =~ m{\A/} ? real($opt{state_dir}) : undef;
  deny('this command names the claude-hub state directory, which agents may never touch')
    if defined $state_dir && names_path($command, $state_dir);
  exit 0;
}

my @paths;    # [given, what it is] to check
if ($tool eq 'NotebookEdit') {
  push @paths, need_string($args->{notebook_path}, 'notebook_path');
} elsif ($tool eq 'Glob' || $tool eq 'Grep' || $tool eq 'LS') {
  my $base = $args->{path};
  $base = undef if defined $base && !ref $base && $base eq '';
  if (defined $base) { push @paths, need_string($base, 'path') }
  else {
    deny("the claude-hub guard cannot check this $tool call: it names no path and no cwd") unless defined $cwd;
    push @paths, $cwd;
  }
  if ($tool eq 'Glob' && defined $args->{pattern} && !ref $args->{pattern}) {
    push @paths, glob_base($args->{pattern}, $paths[0]);
  }
} else {
  push @paths, need_string($args->{file_path}, 'file_path');
}

my ($roots_readable, @roots) = read_roots($opt{roots_file});
# Claude Code saves a large tool output under <transcript without .jsonl>/tool-results/ and
# tells the model to Read it there: reading (only) that folder of this conversation is allowed.
my $results;
my $transcript = $call->{transcript_path};
if (defined $transcript && !ref $transcript && $transcript =~ m{\A(/.+)\.jsonl\z}s) {
  $results = real("$1/tool-results");
}
my $state = defined $opt{state_dir} && $opt{state_dir} =~ m{\A/} ? real($opt{state_dir}) : undef;
for my $given (@paths) {
  deny('a path in this call contains a NUL byte; the claude-hub guard denies it') if index($given, "\0") >= 0;
  my $abs = absolute($given);
  my $path = real($abs);
  deny("$given could not be resolved (symlink loop?); the claude-hub guard denies it") unless defined $path;
  deny("$given is inside the claude-hub state directory, which agents may never touch")
    if defined $state && inside($path, $state);
  next if inside($path, $root);
  next if $READ_TOOLS{$tool} && defined $results && inside($path, $results);
  my $shown = $path eq $abs ? $given : "$given (really $path)";
  for my $other (@roots) {
    next if $other eq $root;
    deny("$shown is inside another claude-hub session's root ($other). "
      . "Agents of this session may only use files under $root.") if inside($path, $other);
  }
  next if $READ_TOOLS{$tool} && $opt{reads_outside} && $roots_readable;
  deny("$shown is outside this session's root. Agents of this session may only use files under $root.");
}
exit 0;

# --- helpers ----------------------------------------------------------------------------------

sub need_string {
  my ($value, $field) = @_;
  deny("the claude-hub guard cannot check this $tool call: tool_input.$field is missing")
    unless defined $value && !ref $value && $value ne '';
  return $value;
}

# The directory a Glob pattern starts from: its literal leading part, joined to the base.
# The wildcard part must not climb or jump: '..' in it (`**/../x`, `{..,a}/x`) or a brace
# alternative that starts a new absolute/home path (`{/etc,src}/*`) is refused outright.
sub glob_base {
  my ($pattern, $base) = @_;
  my @parts = split m{/}, $pattern, -1;
  my (@literal, @wild);
  for my $p (@parts) {
    if (@wild || $p =~ /[*?\[\]{}]/) { push @wild, $p; next }
    push @literal, $p;
  }
  my $rest = join '/', @wild;
  deny("the Glob pattern $pattern climbs with '..' inside its wildcard part; the claude-hub guard denies it")
    if $rest =~ /\.\./;
  deny("the Glob pattern $pattern has a brace alternative that starts a new path; the claude-hub guard denies it")
    if $rest =~ m#[{,]\s*[/~]#;
  my $lit = join '/', @literal;
  return ($lit eq '' ? '/' : $lit) if $pattern =~ m{\A/};
  return $lit if $pattern =~ m{\A~};
  return $base if $lit eq '';
  return absolute($base) . "/$lit";
}

sub absolute {
  my ($p) = @_;
  if ($p =~ m{\A~(/|\z)}) {
    deny("$p starts with ~ but HOME is not set; the claude-hub guard denies it") unless defined $ENV{HOME} && $ENV{HOME} =~ m{\A/};
    return $ENV{HOME} . substr($p, 1);
  }
  deny("$p names another user's home; the claude-hub guard denies it") if $p =~ m{\A~};
  return $p if $p =~ m{\A/};
  deny("$p is relative and the call has no cwd; the claude-hub guard denies it") unless defined $cwd;
  return "$cwd/$p";
}

# realpath of the nearest existing ancestor, then the rest appended: follows every symlink the
# kernel would (including ones before a '..'), and works for files that do not exist yet.
sub real {
  my ($p) = @_;
  my @todo = grep { $_ ne '' && $_ ne '.' } split m{/}, $p;
  my $cur = '';
  my $links = 0;
  while (@todo) {
    my $c = shift @todo;
    if ($c eq '..') { $cur =~ s{/[^/]*\z}{}; next }
    my $next = "$cur/$c";
    if (-l $next) {
      return undef if ++$links > 40;
      my $target = readlink $next;
      return undef unless defined $target;
      unshift @todo, grep { $_ ne '' && $_ ne '.' } split m{/}, $target;
      $cur = '' if $target =~ m{\A/};
      next;
    }
    $cur = $next;
  }
  return $cur eq '' ? '/' : $cur;
}

sub inside {
  my ($path, $dir) = @_;
  return 1 if $dir eq '/' || $path eq $dir;
  return index($path, "$dir/") == 0;
}

# Whether `text` names `dir` itself or something in it: not a longer name that begins the same.
sub names_path {
  my ($text, $dir) = @_;
  return $text =~ m{\Q$dir\E(?![\w.\-+\@%,:=~])};
}

sub read_roots {
  my ($file) = @_;
  return (0) unless defined $file && $file ne '';
  open(my $fh, '<', $file) or return (0);
  my @list;
  while (my $line = <$fh>) {
    chomp $line;
    next unless $line =~ m{\A/};
    my $r = real($line);
    push @list, $r if defined $r;
  }
  close $fh;
  return (1, @list);
}

sub deny {
  my ($reason) = @_;
  print STDOUT '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny",'
    . '"permissionDecisionReason":' . json_string("claude-hub: $reason") . '}}' . "\n";
  exit 0;
}

# ASCII-only JSON string: whatever bytes a path holds, the answer always parses.
sub json_string {
  my ($s) = @_;
  my $copy = $s;
  my $chars = utf8::decode($copy) ? $copy : join('', map { $_ < 128 ? chr($_) : "\x{FFFD}" } unpack('C*', $s));
  my $out = '';
  for my $ch (split //, $chars) {
    my $o = ord $ch;
    if    ($ch eq '"')  { $out .= '\\"' }
    elsif ($ch eq '\\') { $out .= '\\\\' }
    elsif ($o < 0x20 || ($o >= 0x7f && $o < 0x10000)) { $out .= sprintf('\\u%04x', $o) }
    elsif ($o >= 0x10000) {
      my $v = $o - 0x10000;
      $out .= sprintf('\\u%04x\\u%04x', 0xD800 + ($v >> 10), 0xDC00 + ($v & 0x3FF));
    }
    else { $out .= $ch }
  }
  return qq("$out");
}

# A small JSON parser (RFC 8259) over bytes. Strings come back as UTF-8 bytes, which is what
# the filesystem takes. Duplicate keys: the last wins, as in JavaScript's JSON.parse.
#
# Speed: a Write carries a whole file, so big inputs are normal. Only the strings the guard
# reads (keys, and the values of %DECODE keys, declared at the top) are decoded and validated; other strings are
# skipped by finding their closing quote in a "mask" of the input where every `\\` and `\"`
# escape is blanked out, so each remaining `"` is a real delimiter (one C-level pass, then
# index()). Escape sequences are handled per string, never by one big repeated regex group:
# perl caps those at 65534 iterations.
sub parse_json {
  my ($text) = @_;
  $MASK = $text;
  $MASK =~ s/\\[\\"]/XX/g if index($text, '\\') >= 0;
  pos($text) = 0;
  my $value = json_value(\$text, 0, 1);
  $text =~ /\G[ \t\r\n]*/gc;
  die "trailing data\n" if pos($text) != length $text;
  return $value;
}

# (Whitespace is skipped with `*` and lookups use substr: perl refuses a second zero-length
# \G match at the same position, which would silently fail a lookahead.)
sub json_value {
  my ($t, $depth, $decode) = @_;
  die "too deep\n" if $depth > 64;
  $$t =~ /\G[ \t\r\n]*/gc;
  if ($$t =~ /\G\{/gc) {
    my %obj;
    $$t =~ /\G[ \t\r\n]*/gc;
    return \%obj if $$t =~ /\G\}/gc;
    while (1) {
      $$t =~ /\G[ \t\r\n]*/gc;
      die "key expected\n" unless substr($$t, pos($$t), 1) eq '"';
      my $key = json_string_value($t, 1);
      $$t =~ /\G[ \t\r\n]*:/gc or die "colon expected\n";
      $obj{$key} = json_value($t, $depth + 1, $DECODE{$key});
      $$t =~ /\G[ \t\r\n]*/gc;
      next if $$t =~ /\G,/gc;
      return \%obj if $$t =~ /\G\}/gc;
      die "object not closed\n";
    }
  }
  if ($$t =~ /\G\[/gc) {
    my @arr;
    $$t =~ /\G[ \t\r\n]*/gc;
    return \@arr if $$t =~ /\G\]/gc;
    while (1) {
      push @arr, json_value($t, $depth + 1, 0);
      $$t =~ /\G[ \t\r\n]*/gc;
      next if $$t =~ /\G,/gc;
      return \@arr if $$t =~ /\G\]/gc;
      die "array not closed\n";
    }
  }
  return json_string_value($t, $decode) if substr($$t, pos($$t), 1) eq '"';
  return $1 if $$t =~ /\G(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)/gc;
  return 1 if $$t =~ /\Gtrue/gc;
  return 0 if $$t =~ /\Gfalse/gc;
  return undef if $$t =~ /\Gnull/gc;
  die "value expected\n";
}

# At an opening quote: returns the decoded string, or (when not wanted) skips it and returns a
# placeholder that no check uses.
sub json_string_value {
  my ($t, $decode) = @_;
  my $start = pos($$t) + 1;
  my $end = index($MASK, '"', $start);
  die "string not closed\n" if $end < 0;
  pos($$t) = $end + 1;
  return '' unless $decode;
  my $raw = substr($$t, $start, $end - $start);
  die "control character in string\n" if $raw =~ /[\x00-\x1f]/;
  return $raw if index($raw, '\\') < 0;
  my $s = '';
  pos($raw) = 0;
  while (1) {
    $s .= $1 if $raw =~ /\G([^\\]++)/gc;
    return $s if pos($raw) == length $raw;
    if    ($raw =~ /\G\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})/gc) {
      $s .= utf8_bytes(0x10000 + ((hex($1) - 0xD800) << 10) + (hex($2) - 0xDC00));
    }
    elsif ($raw =~ /\G\\u([0-9a-fA-F]{4})/gc) { $s .= utf8_bytes(hex $1) }
    elsif ($raw =~ /\G\\(["\\\/bfnrt])/gc)    { $s .= $JSON_ESCAPES{$1} }
    else { die "bad escape\n" }
  }
}

# A lone surrogate becomes U+FFFD, as node does when it turns such a string into a file name.
sub utf8_bytes {
  my ($cp) = @_;
  $cp = 0xFFFD if $cp >= 0xD800 && $cp <= 0xDFFF;
  my $c = chr $cp;
  utf8::encode($c);
  return $c;
}
